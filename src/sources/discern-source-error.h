/* discern-source-error.h: errors about pictures, links and model files
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DISCERN_SOURCE_ERROR (discern_source_error_quark ())

/* One code per failure class a user can tell apart; each gets one sentence
 * in the window and the CLI. */
typedef enum {
  DISCERN_SOURCE_ERROR_NOT_FOUND,    /* no such file */
  DISCERN_SOURCE_ERROR_READ,         /* it exists but could not be read */
  DISCERN_SOURCE_ERROR_NOT_IMAGE,    /* the bytes are no image at all (text, HTML, empty) */
  DISCERN_SOURCE_ERROR_UNSUPPORTED,  /* an image format no loader here understands */
  DISCERN_SOURCE_ERROR_CORRUPT,      /* an image format we know, but damaged */
  DISCERN_SOURCE_ERROR_TOO_LARGE,    /* over the byte or pixel limits */
  DISCERN_SOURCE_ERROR_BAD_URL,      /* not an http or https URL */
  DISCERN_SOURCE_ERROR_HTTP,         /* the server answered with an error status */
  DISCERN_SOURCE_ERROR_NETWORK,      /* no connection, timeout, TLS failure */
  DISCERN_SOURCE_ERROR_MODEL_MISSING,
  DISCERN_SOURCE_ERROR_NO_SPACE,     /* not enough free disk space for a download */
  DISCERN_SOURCE_ERROR_CHECKSUM,     /* downloaded bytes differ from the published MD5 */
} DiscernSourceError;

GQuark discern_source_error_quark (void);

G_END_DECLS
