/* discern-source-error.c
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-source-error.h"

G_DEFINE_QUARK (discern-source-error-quark, discern_source_error)
