/* discern-classify.h: the command-line classifier
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Runs discern-classify; returns its exit status: 0 every input classified,
 * 1 some inputs failed, 2 usage or model error. */
int discern_classify_main (int    argc,
                           char **argv);
