/* dn-error.c
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "dn-error.h"

G_DEFINE_QUARK (dn-error-quark, dn_error)
