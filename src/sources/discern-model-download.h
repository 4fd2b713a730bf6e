/* discern-model-download.h: fetching the VGG16 files, resumable and verified
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "discern-model-files.h"

G_BEGIN_DECLS

/* A download with no incoming data for this long is given up. */
#define DISCERN_MODEL_DOWNLOAD_IDLE_SECONDS 30

/* Where a file comes from: `mirror` (the preferences' base URL) if not NULL
 * or empty, else $DISCERN_MODEL_URL if set, as BASE/<Keras' file name>;
 * otherwise Keras' own URL. Mirrors are verified against Keras' hashes. */
char    *discern_model_download_get_url  (DiscernModelFileKind  kind,
                                          const char           *mirror);

/* The bytes `needs` stands for, to tell the user how much is coming. */
goffset  discern_model_download_get_size (DiscernModelNeeds     needs);

/* The bytes of `needs` that an interrupted download left in .part files
 * in `dest_dir` (NULL: the default folder), which the next one resumes. */
goffset  discern_model_download_get_partial_size (DiscernModelNeeds  needs,
                                                  const char        *dest_dir);

typedef struct {
  DiscernModelFileKind  kind;      /* the file being fetched now */
  const char           *url;
  goffset               received;  /* bytes of all the requested files on disk,
                                    * a resumed part included */
  goffset               total;     /* their sum, or -1 when unknown */
} DiscernModelProgress;

/* Called on the main context of the _async call: once when each file
 * starts (`received` may then jump by a resumed part: measure speed from
 * the calls that follow) and after every chunk written. */
typedef void (*DiscernModelProgressFunc) (const DiscernModelProgress *progress,
                                          gpointer                    user_data);

/* Fetches the files in `needs` into `dest_dir` (NULL: the default folder,
 * ~/.local/share/discern/models). Each file goes to <name>.part next to
 * its destination; an existing part is resumed with an HTTP Range request
 * (and started over when the server sends the whole file instead). A
 * finished part is checked against Keras' size and MD5, then renamed into
 * place and remembered as verified, so the next check is instant. A file
 * already verified in `dest_dir` is not fetched again.
 *
 * Free space is checked before anything is fetched. A failed or cancelled
 * download keeps its part for the next attempt, except a checksum mismatch
 * or a body longer than the file, which remove it; no file under the final
 * name appears unless it verified.
 *
 * `session` may be NULL (one is made). `progress` and `progress_data` must
 * stay valid until the callback ran. Errors are one sentence naming the URL
 * or file: DISCERN_SOURCE_ERROR NETWORK (offline, dropped, or no data for
 * DISCERN_MODEL_DOWNLOAD_IDLE_SECONDS), HTTP (the status in the message),
 * NO_SPACE (how much is needed), CHECKSUM, TOO_LARGE (longer than the
 * file), or G_IO_ERROR_CANCELLED; G_IO_ERROR for a folder that cannot be
 * written. */
void     discern_model_download_async  (SoupSession              *session,
                                        DiscernModelNeeds         needs,
                                        const char               *dest_dir,
                                        const char               *mirror,
                                        DiscernModelProgressFunc  progress,
                                        gpointer                  progress_data,
                                        GCancellable             *cancellable,
                                        GAsyncReadyCallback       callback,
                                        gpointer                  user_data);
gboolean discern_model_download_finish (GAsyncResult             *result,
                                        GError                  **error);

G_END_DECLS
