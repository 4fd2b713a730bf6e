/* discern-download.c: fetching a picture for the window, with progress
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The download itself is discern_fetch_url_full(), the same code the CLI
 * uses with the same limits, on a worker thread. Its progress reports are
 * coalesced: the main loop gets the latest one, never a queue of them.
 */

#include "config.h"

#include "discern-download.h"

#include "discern-fetch.h"

typedef struct {
  SoupSession             *session;
  char                    *url;
  DiscernDownloadProgress  progress;
  gpointer                 progress_data;

  /* Written by the worker, read on the main loop. */
  GMutex                   mutex;
  goffset                  received;
  goffset                  total;
  gboolean                 report_queued;
} Download;

static void
download_free (Download *download)
{
  g_clear_object (&download->session);
  g_free (download->url);
  g_mutex_clear (&download->mutex);
  g_free (download);
}

static gboolean
report_progress_idle (gpointer data)
{
  GTask *task = data;
  Download *download = g_task_get_task_data (task);
  goffset received, total;

  g_mutex_lock (&download->mutex);
  received = download->received;
  total = download->total;
  download->report_queued = FALSE;
  g_mutex_unlock (&download->mutex);

  /* After the callback, `progress_data` may be gone. */
  if (!g_task_get_completed (task)) {
    download->progress (received, total, download->progress_data);
  }

  return G_SOURCE_REMOVE;
}

/* Runs on the worker thread. */
static void
worker_progress_cb (goffset  received,
                    goffset  total,
                    gpointer user_data)
{
  GTask *task = user_data;
  Download *download = g_task_get_task_data (task);
  gboolean queue;

  g_mutex_lock (&download->mutex);
  download->received = received;
  download->total = total;
  queue = !download->report_queued;
  download->report_queued = TRUE;
  g_mutex_unlock (&download->mutex);

  if (queue) {
    g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT,
                                report_progress_idle, g_object_ref (task), g_object_unref);
  }
}

static void
download_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Download *download = task_data;
  GError *error = NULL;
  GBytes *body;

  body = discern_fetch_url_full (download->session, download->url, NULL,
                                 download->progress != NULL ? worker_progress_cb : NULL,
                                 task, cancellable, &error);
  if (body == NULL) {
    g_task_return_error (task, error);
    return;
  }

  g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
}

/* Downloads `url` (http, https or data:) with `session`, from
 * discern_fetch_session_new(). `progress` is called on the main loop;
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

  download = g_new0 (Download, 1);
  download->session = g_object_ref (session);
  download->url = g_strdup (url);
  download->progress = progress;
  download->progress_data = progress_data;
  download->total = -1;
  g_mutex_init (&download->mutex);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, discern_download_async);
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);
  g_task_run_in_thread (task, download_thread);
}

GBytes *
discern_download_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == discern_download_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
