/* discern-download.h: fetching a picture for the window, with progress
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Called on the main loop after each chunk; `total` is -1 when the server
 * did not say how much is coming. */
typedef void (*DiscernDownloadProgress) (goffset  received,
                                         goffset  total,
                                         gpointer user_data);

void    discern_download_async  (SoupSession             *session,
                                 const char              *url,
                                 DiscernDownloadProgress  progress,
                                 gpointer                 progress_data,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data);
GBytes *discern_download_finish (GAsyncResult            *result,
                                 GError                 **error);

G_END_DECLS
