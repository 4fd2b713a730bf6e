/* discern-download.c: fetching a picture on the main loop, with progress
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * discern_fetch_url() blocks and reports no progress, so the window reads
 * the body here in chunks with libsoup's asynchronous API, under the same
 * size limit and with the same error domain.
 */

#include "config.h"

#include "discern-download.h"

#include "discern-fetch.h"
#include "discern-source-error.h"

#define CHUNK_SIZE (64 * 1024)

typedef struct {
  char                    *url;
  SoupMessage             *message;
  GInputStream            *stream;
  GByteArray              *body;
  goffset                  total;
  guint                    status;
  DiscernDownloadProgress  progress;
  gpointer                 progress_data;
} Download;

static void read_next_chunk (GTask *task);

static void
download_free (Download *download)
{
  g_free (download->url);
  g_clear_object (&download->message);
  g_clear_object (&download->stream);
  g_clear_pointer (&download->body, g_byte_array_unref);
  g_free (download);
}

static void
return_error (GTask  *task,
              GError *error)
{
  Download *download = g_task_get_task_data (task);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && error->domain != DISCERN_SOURCE_ERROR) {
    GError *network = g_error_new (DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                                   "%s: %s", download->url, error->message);

    g_error_free (error);
    error = network;
  }

  g_task_return_error (task, error);
}

static void
too_large (GTask *task)
{
  Download *download = g_task_get_task_data (task);

  g_task_return_new_error (task, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                           "%s: larger than %u MiB", download->url,
                           DISCERN_FETCH_MAX_BYTES / (1024 * 1024));
}

static void
chunk_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL) {
    return_error (task, error);
    return;
  }

  if (g_bytes_get_size (chunk) == 0) {
    g_debug ("download: %s: %u bytes", download->url, download->body->len);
    g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&download->body)),
                           (GDestroyNotify) g_bytes_unref);
    return;
  }

  if (download->body->len + g_bytes_get_size (chunk) > DISCERN_FETCH_MAX_BYTES) {
    too_large (task);
    return;
  }

  g_byte_array_append (download->body, g_bytes_get_data (chunk, NULL),
                       g_bytes_get_size (chunk));
  if (download->progress != NULL) {
    download->progress (download->body->len, download->total, download->progress_data);
  }

  read_next_chunk (g_steal_pointer (&task));
}

static void
read_next_chunk (GTask *task)
{
  Download *download = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (download->stream, CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   chunk_read_cb, task);
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;

  download->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (download->stream == NULL) {
    return_error (task, error);
    return;
  }

  download->status = soup_message_get_status (download->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (download->status)) {
    g_task_return_new_error (task, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_HTTP,
                             "%s: HTTP %u %s", download->url, download->status,
                             soup_message_get_reason_phrase (download->message));
    return;
  }

  download->total = soup_message_headers_get_content_length (
    soup_message_get_response_headers (download->message));
  if (download->total == 0) {
    download->total = -1;
  }
  if (download->total > DISCERN_FETCH_MAX_BYTES) {
    too_large (task);
    return;
  }

  download->body = g_byte_array_sized_new (download->total > 0 ? download->total : CHUNK_SIZE);
  if (download->progress != NULL) {
    download->progress (0, download->total, download->progress_data);
  }
  read_next_chunk (g_steal_pointer (&task));
}

/* Downloads `url` with `session` (from discern_fetch_session_new()).
 * `progress_data` must stay alive until the callback has run. */
void
discern_download_async (SoupSession             *session,
                        const char              *url,
                        DiscernDownloadProgress  progress,
                        gpointer                 progress_data,
                        GCancellable            *cancellable,
                        GAsyncReadyCallback      callback,
                        gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  Download *download;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, discern_download_async);

  download = g_new0 (Download, 1);
  download->url = g_strdup (url);
  download->total = -1;
  download->progress = progress;
  download->progress_data = progress_data;
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);

  if (!discern_fetch_is_url (url)
      || (download->message = soup_message_new (SOUP_METHOD_GET, url)) == NULL) {
    g_task_return_new_error (task, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_BAD_URL,
                             "%s: not an http or https link", url);
    return;
  }

  g_debug ("download: %s", url);
  soup_session_send_async (session, download->message, G_PRIORITY_DEFAULT,
                           cancellable, sent_cb, g_steal_pointer (&task));
}

/* Returns the body. `http_status` is set to the server's status when there
 * was an answer, else to 0. */
GBytes *
discern_download_finish (GAsyncResult  *result,
                         guint         *http_status,
                         GError       **error)
{
  Download *download;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == discern_download_async,
                        NULL);

  download = g_task_get_task_data (G_TASK (result));
  if (http_status != NULL) {
    *http_status = download->status;
  }

  return g_task_propagate_pointer (G_TASK (result), error);
}
