/* discern-download.c: fetching a picture for the window, with progress
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The download itself is discern_fetch_url_full(), the same code the CLI
 * uses with the same limits, on a worker thread. Its progress reports are
 * coalesced: the main loop gets the latest one, never a queue of them.
 *
 * libsoup keeps at most "max-conns-per-host" connections to one server; a
 * request beyond that would wait inside it while its time limits run, so
 * one slow link would make the next ones from the same site fail. Those
 * wait here instead, before any limit starts.
 */

#include "config.h"

#include "discern-download.h"

#include "discern-fetch.h"

typedef struct {
  SoupSession             *session;
  char                    *url;
  char                    *server;   /* "host:port", NULL for data: */
  DiscernDownloadProgress  progress;
  gpointer                 progress_data;
  gulong                   cancelled_handler;

  /* Written by the worker, read on the main loop. */
  GMutex                   mutex;
  goffset                  received;
  goffset                  total;
  gboolean                 report_queued;
} Download;

/* The downloads of one server: how many run, and the tasks that wait.
 * Touched on the main thread only. */
typedef struct {
  guint  running;
  GQueue waiting;
} Server;

static GHashTable *servers;

static void start (GTask *task);

static void
download_free (Download *download)
{
  g_clear_object (&download->session);
  g_free (download->url);
  g_free (download->server);
  g_mutex_clear (&download->mutex);
  g_free (download);
}

static char *
server_for_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL) {
    return NULL;
  }

  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
}

static Server *
get_server (const char *key)
{
  Server *server;

  if (servers == NULL) {
    servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  }

  server = g_hash_table_lookup (servers, key);
  if (server == NULL) {
    server = g_new0 (Server, 1);
    g_queue_init (&server->waiting);
    g_hash_table_insert (servers, g_strdup (key), server);
  }

  return server;
}

static guint
get_connection_limit (SoupSession *session)
{
  int limit = 0;

  g_object_get (session, "max-conns-per-host", &limit, NULL);
  return MAX (limit, 1);
}

static gboolean
disconnect_idle (gpointer data)
{
  GTask *task = data;
  Download *download = g_task_get_task_data (task);

  g_cancellable_disconnect (g_task_get_cancellable (task), download->cancelled_handler);
  download->cancelled_handler = 0;
  return G_SOURCE_REMOVE;
}

/* A waiting download was cancelled: it goes without having started. The
 * handler cannot disconnect itself, an idle does. */
static void
waiting_cancelled_cb (GCancellable *cancellable,
                      GTask        *task)
{
  Download *download = g_task_get_task_data (task);
  Server *server = g_hash_table_lookup (servers, download->server);

  if (server == NULL || !g_queue_remove (&server->waiting, task)) {
    return;
  }

  g_idle_add_full (G_PRIORITY_DEFAULT, disconnect_idle, g_object_ref (task), g_object_unref);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "%s: cancelled before it started", download->url);
  g_object_unref (task);
}

/* A download from `key` ended: the next one waiting takes its place. */
static void
release (const char *key)
{
  Server *server = g_hash_table_lookup (servers, key);
  GTask *next;

  g_assert (server != NULL && server->running > 0);

  server->running--;
  next = g_queue_pop_head (&server->waiting);
  if (next != NULL) {
    Download *download = g_task_get_task_data (next);

    g_cancellable_disconnect (g_task_get_cancellable (next), download->cancelled_handler);
    download->cancelled_handler = 0;
    server->running++;
    start (next);
    g_object_unref (next);
  } else if (server->running == 0) {
    g_hash_table_remove (servers, key);
  }
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

/* Runs on a worker thread for `fetch`, whose data is the caller's task. */
static void
download_thread (GTask        *fetch,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GTask *task = task_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *body;

  body = discern_fetch_url_full (download->session, download->url, NULL,
                                 download->progress != NULL ? worker_progress_cb : NULL,
                                 task, cancellable, &error);
  if (body == NULL) {
    g_task_return_error (fetch, error);
    return;
  }

  g_task_return_pointer (fetch, body, (GDestroyNotify) g_bytes_unref);
}

static void
fetched_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *body;

  body = g_task_propagate_pointer (G_TASK (result), &error);
  if (download->server != NULL) {
    release (download->server);
  }

  if (body == NULL) {
    g_task_return_error (task, error);
  } else {
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
  }
}

static void
start (GTask *task)
{
  g_autoptr(GTask) fetch = NULL;

  fetch = g_task_new (NULL, g_task_get_cancellable (task), fetched_cb, g_object_ref (task));
  g_task_set_source_tag (fetch, start);
  g_task_set_task_data (fetch, task, NULL);
  g_task_run_in_thread (fetch, download_thread);
}

/* Downloads `url` (http, https or data:) with `session`, from
 * discern_fetch_session_new(), as soon as a connection to its server is
 * free. `progress` is called on the main loop; `progress_data` must stay
 * alive until the callback has run. Main thread only. */
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
  Server *server;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);

  download = g_new0 (Download, 1);
  download->session = g_object_ref (session);
  download->url = g_strdup (url);
  download->server = server_for_url (url);
  download->progress = progress;
  download->progress_data = progress_data;
  download->total = -1;
  g_mutex_init (&download->mutex);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, discern_download_async);
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);

  if (download->server == NULL) {
    start (task);
    return;
  }

  server = get_server (download->server);
  if (server->running < get_connection_limit (session)) {
    server->running++;
    start (task);
    return;
  }

  g_debug ("download: %s waits for a connection to %s", url, download->server);
  g_queue_push_tail (&server->waiting, g_object_ref (task));
  if (cancellable != NULL) {
    download->cancelled_handler = g_cancellable_connect (cancellable,
                                                         G_CALLBACK (waiting_cancelled_cb),
                                                         task, NULL);
  }
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
