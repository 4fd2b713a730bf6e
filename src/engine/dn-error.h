/* dn-error.h: the engine's error domain
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DN_ERROR (dn_error_quark ())

typedef enum {
  DN_ERROR_IO,        /* the file could not be opened or read */
  DN_ERROR_FORMAT,    /* not HDF5 / not JSON, or not the expected layout */
  DN_ERROR_SHAPE,     /* a dataset's shape does not fit the network */
  DN_ERROR_VALUE,     /* NaN, infinity or an out-of-range value */
  DN_ERROR_MISMATCH,  /* labels and network disagree, wrong input size */
} DnError;

GQuark dn_error_quark (void);

G_END_DECLS
