/* main.c: discern-classify
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-classify.h"

int
main (int    argc,
      char **argv)
{
  return discern_classify_main (argc, argv);
}
