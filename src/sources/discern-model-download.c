/* discern-model-download.c: fetching the VGG16 files, resumable and verified
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One GTask walks through the requested files on the caller's main
 * context: prepare (folder, parts, free space; in a thread), then per file
 * request, open the part, read and write chunk by chunk, then verify and
 * rename (in a thread). A watchdog cancels the work when no data came for
 * the idle timeout; the caller's cancellable cancels it too.
 */

#include "discern-model-download.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "discern-model-private.h"
#include "discern-source-error.h"

#define CHUNK_SIZE (256 * 1024)

/* When a test left a file's size unknown, no body may exceed this. */
#define UNKNOWN_SIZE_LIMIT (G_GINT64_CONSTANT (1) << 30)

#define SESSION_TIMEOUT_SECONDS 60

typedef struct {
  DiscernModelFileKind  kind;
  char                 *url;
  char                 *dest;
  char                 *part;
  goffset               expected;   /* bytes, or -1 when unknown */
  goffset               part_size;  /* in the part before this attempt */
  gboolean              skip;       /* already verified at `dest` */
} FileJob;

typedef struct {
  /* owned */
  SoupSession              *session;
  GPtrArray                *jobs;
  char                     *dest_dir;
  GCancellable             *cancellable;  /* the caller's cancel or the watchdog */
  GCancellable             *caller_cancellable;
  gulong                    cancelled_id;
  GSource                  *watchdog;

  /* borrowed */
  DiscernModelProgressFunc  progress;
  gpointer                  progress_data;

  /* state */
  guint                     current;
  goffset                   done_bytes;   /* in the files finished before */
  goffset                   total;
  gboolean                  timed_out;

  /* the current file */
  SoupMessage              *message;
  GInputStream             *body;
  GOutputStream            *out;
  GBytes                   *chunk;
  goffset                   offset;       /* in the part when the body started */
  goffset                   received;     /* of this body, written */
  goffset                   announced;    /* offset + Content-Length, or -1 */
  goffset                   limit;        /* the most the part may hold */
  gboolean                  append;
  gboolean                  started_over; /* once, after a bad answer to a range */
} Download;

static guint idle_timeout_ms;

static void send_request (GTask *task);
static void start_file   (GTask *task);

void
_discern_model_set_idle_timeout_for_tests (guint milliseconds)
{
  idle_timeout_ms = milliseconds;
}

static guint
get_idle_timeout_ms (void)
{
  if (idle_timeout_ms != 0) {
    return idle_timeout_ms;
  }
  return DISCERN_MODEL_DOWNLOAD_IDLE_SECONDS * 1000;
}

char *
discern_model_download_get_url (DiscernModelFileKind  kind,
                                const char           *mirror)
{
  const char *name;
  g_autofree char *base = NULL;

  g_return_val_if_fail (kind < DISCERN_MODEL_N_FILES, NULL);

  name = discern_model_file_kind_get_file_name (kind);
  if (mirror == NULL || mirror[0] == '\0') {
    mirror = g_getenv ("DISCERN_MODEL_URL");
  }
  if (mirror == NULL || mirror[0] == '\0') {
    return g_strdup (kind == DISCERN_MODEL_WEIGHTS
                     ? DISCERN_WEIGHTS_URL : DISCERN_LABELS_URL);
  }

  base = g_strdup (mirror);
  while (g_str_has_suffix (base, "/")) {
    base[strlen (base) - 1] = '\0';
  }
  return g_strconcat (base, "/", name, NULL);
}

goffset
discern_model_download_get_size (DiscernModelNeeds needs)
{
  goffset size = 0;

  for (int kind = 0; kind < DISCERN_MODEL_N_FILES; kind++) {
    if ((needs & (1 << kind)) && _discern_model_expected_size (kind) > 0) {
      size += _discern_model_expected_size (kind);
    }
  }
  return size;
}

goffset
discern_model_download_get_partial_size (DiscernModelNeeds  needs,
                                         const char        *dest_dir)
{
  g_autofree char *default_dir = discern_model_files_get_default_dir ();
  goffset size = 0;

  for (int kind = 0; kind < DISCERN_MODEL_N_FILES; kind++) {
    const char *name = discern_model_file_kind_get_file_name (kind);
    g_autofree char *part_name = g_strconcat (name, ".part", NULL);
    g_autofree char *part = g_build_filename (dest_dir != NULL ? dest_dir
                                                               : default_dir,
                                              part_name, NULL);
    GStatBuf part_stat;

    if ((needs & (1 << kind)) && g_stat (part, &part_stat) == 0) {
      size += part_stat.st_size;
    }
  }
  return size;
}

static void
file_job_free (FileJob *job)
{
  g_free (job->url);
  g_free (job->dest);
  g_free (job->part);
  g_free (job);
}

static FileJob *
current_job (Download *download)
{
  return download->jobs->pdata[download->current];
}

static void
clear_transfer (Download *download)
{
  g_clear_object (&download->message);
  g_clear_object (&download->body);
  g_clear_object (&download->out);
  g_clear_pointer (&download->chunk, g_bytes_unref);
}

static void
stop_watchdog (Download *download)
{
  if (download->watchdog != NULL) {
    g_source_destroy (download->watchdog);
    g_clear_pointer (&download->watchdog, g_source_unref);
  }
}

static void
download_free (Download *download)
{
  stop_watchdog (download);
  clear_transfer (download);
  if (download->caller_cancellable != NULL) {
    g_cancellable_disconnect (download->caller_cancellable, download->cancelled_id);
  }
  g_clear_object (&download->caller_cancellable);
  g_clear_object (&download->cancellable);
  g_clear_object (&download->session);
  g_ptr_array_unref (download->jobs);
  g_free (download->dest_dir);
  g_free (download);
}

static gboolean
watchdog_fired_cb (gpointer user_data)
{
  Download *download = user_data;

  g_debug ("model: no data for %u ms; giving up", get_idle_timeout_ms ());
  download->timed_out = TRUE;
  g_cancellable_cancel (download->cancellable);
  g_clear_pointer (&download->watchdog, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Called whenever data moved: the stall timer starts again. */
static void
reset_watchdog (GTask *task)
{
  Download *download = g_task_get_task_data (task);

  stop_watchdog (download);
  download->watchdog = g_timeout_source_new (get_idle_timeout_ms ());
  g_source_set_callback (download->watchdog, watchdog_fired_cb, download, NULL);
  g_source_set_static_name (download->watchdog, "[discern] download watchdog");
  g_source_attach (download->watchdog, g_task_get_context (task));
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
report_progress (Download *download)
{
  FileJob *job = current_job (download);
  DiscernModelProgress progress = {
    .kind = job->kind,
    .url = job->url,
    .received = download->done_bytes + download->offset + download->received,
    .total = download->total,
  };

  if (download->progress != NULL) {
    download->progress (&progress, download->progress_data);
  }
}

static void
remove_part (FileJob *job)
{
  if (g_unlink (job->part) != 0 && errno != ENOENT) {
    g_debug ("model: could not remove %s: %s", job->part, g_strerror (errno));
  }
}

static void
return_error (GTask  *task,
              GError *error)
{
  Download *download = g_task_get_task_data (task);

  stop_watchdog (download);
  clear_transfer (download);
  g_task_return_error (task, error);
}

static void return_new_error (GTask              *task,
                              DiscernSourceError  code,
                              const char         *format,
                              ...) G_GNUC_PRINTF (3, 4);

static void
return_new_error (GTask              *task,
                  DiscernSourceError  code,
                  const char         *format,
                  ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (DISCERN_SOURCE_ERROR, code, format, args);
  va_end (args);
  return_error (task, error);
}

/* Errors of the network side: the caller's cancel, the watchdog, or the
 * connection, named by the URL. `during` says what was going on. */
static void
return_network_error (GTask      *task,
                      GError     *cause,
                      const char *during)
{
  Download *download = g_task_get_task_data (task);
  const char *url = download->current < download->jobs->len
                    ? current_job (download)->url : download->dest_dir;
  GError *error;

  if (download->timed_out) {
    error = g_error_new (DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                         "%s: the server sent no data for %u s", url,
                         MAX ((get_idle_timeout_ms () + 500) / 1000, 1));
  } else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                         "%s: the download was cancelled", url);
  } else if (cause->domain == DISCERN_SOURCE_ERROR || during == NULL) {
    error = g_error_copy (cause);
  } else {
    error = g_error_new (DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NETWORK,
                         "%s: %s (%s)", url, during, cause->message);
  }
  g_error_free (cause);
  return_error (task, error);
}

/* Errors of the disk side, named by the file. A full disk gets its own
 * code. */
static void
return_file_error (GTask      *task,
                   GError     *cause,
                   const char *path)
{
  Download *download = g_task_get_task_data (task);
  g_autofree char *display = g_filename_display_name (path);

  if (download->timed_out
      || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    return_network_error (task, cause, NULL);
    return;
  }
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NO_SPACE)) {
    g_error_free (cause);
    return_new_error (task, DISCERN_SOURCE_ERROR_NO_SPACE,
                      "“%s”: the disk is full", display);
    return;
  }
  g_prefix_error (&cause, "“%s”: ", display);
  return_error (task, cause);
}

/* In a thread: the folder, what the parts already hold, and free space. */
static gboolean
prepare (Download      *download,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(GFile) dir = g_file_new_for_path (download->dest_dir);
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *display = g_filename_display_name (download->dest_dir);
  GError *local_error = NULL;
  goffset needed = 0;
  guint64 free_bytes;

  if (!g_file_make_directory_with_parents (dir, cancellable, &local_error)
      && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS)) {
    g_propagate_prefixed_error (error, local_error, "“%s” could not be created: ",
                                display);
    return FALSE;
  }
  g_clear_error (&local_error);

  for (guint i = 0; i < download->jobs->len; i++) {
    FileJob *job = download->jobs->pdata[i];
    GStatBuf part_stat;

    job->skip = _discern_model_is_verified (job->kind, job->dest, cancellable);
    job->part_size = g_stat (job->part, &part_stat) == 0 ? part_stat.st_size : 0;
    if (job->expected >= 0 && job->part_size > job->expected) {
      remove_part (job);
      job->part_size = 0;
    }
    if (!job->skip && job->expected > 0) {
      needed += job->expected - job->part_size;
    }
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
    return FALSE;
  }

  info = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                       cancellable, NULL);
  if (info == NULL
      || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE)) {
    return TRUE;
  }
  free_bytes = g_file_info_get_attribute_uint64 (info,
                                                 G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if ((guint64) needed > free_bytes) {
    g_autofree char *needed_text = g_format_size (needed);
    g_autofree char *free_text = g_format_size (free_bytes);

    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NO_SPACE,
                 "Not enough free space in “%s”: the model needs %s, "
                 "only %s are free", display, needed_text, free_text);
    return FALSE;
  }

  return TRUE;
}

static void
prepare_thread (GTask        *subtask,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (!prepare (task_data, cancellable, &error)) {
    g_task_return_error (subtask, error);
    return;
  }
  g_task_return_boolean (subtask, TRUE);
}

static void
prepared_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    return_network_error (task, error, NULL);
    return;
  }

  download->total = 0;
  for (guint i = 0; i < download->jobs->len; i++) {
    FileJob *job = download->jobs->pdata[i];

    if (!job->skip) {
      download->total = job->expected >= 0 && download->total >= 0
                        ? download->total + job->expected : -1;
    }
  }

  download->current = 0;
  start_file (task);
}

/* In a thread: the finished part against the expected size and MD5, then
 * the rename into place. */
static gboolean
verify_and_install (FileJob       *job,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GFile) part = g_file_new_for_path (job->part);
  g_autoptr(GFile) dest = g_file_new_for_path (job->dest);
  g_autofree char *md5 = NULL;
  const char *expected_md5 = _discern_model_expected_md5 (job->kind);
  GStatBuf part_stat;

  if (g_stat (job->part, &part_stat) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "“%s” vanished: %s", job->part, g_strerror (errno));
    return FALSE;
  }
  if (job->expected < 0 || part_stat.st_size == job->expected) {
    md5 = _discern_model_hash_file (job->part, cancellable, error);
    if (md5 == NULL) {
      return FALSE;
    }
  }

  if (md5 == NULL || !g_str_equal (md5, expected_md5)) {
    remove_part (job);
    if (md5 == NULL) {
      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_CHECKSUM,
                   "%s: the download has %" G_GOFFSET_FORMAT " bytes instead of %"
                   G_GOFFSET_FORMAT " and was removed", job->url,
                   (goffset) part_stat.st_size, job->expected);
    } else {
      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_CHECKSUM,
                   "%s: the download does not match the published checksum "
                   "(MD5 %s instead of %s) and was removed", job->url, md5,
                   expected_md5);
    }
    return FALSE;
  }

  if (!g_file_move (part, dest,
                    G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS,
                    NULL, NULL, NULL, error)) {
    g_prefix_error (error, "“%s”: ", job->dest);
    return FALSE;
  }
  _discern_model_remember (job->dest, md5);
  g_debug ("model: %s verified and in place", job->dest);
  return TRUE;
}

static void
verify_thread (GTask        *subtask,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (!verify_and_install (task_data, cancellable, &error)) {
    g_task_return_error (subtask, error);
    return;
  }
  g_task_return_boolean (subtask, TRUE);
}

static void
verified_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  FileJob *job = current_job (download);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    if (error->domain == DISCERN_SOURCE_ERROR) {
      return_error (task, error);
    } else {
      return_file_error (task, error, job->part);
    }
    return;
  }

  download->done_bytes += download->offset + download->received;
  download->current++;
  start_file (task);
}

static void
verify_part (GTask *task)
{
  Download *download = g_task_get_task_data (task);
  GTask *subtask;

  stop_watchdog (download);
  clear_transfer (download);

  subtask = g_task_new (NULL, download->cancellable, verified_cb,
                        g_object_ref (task));
  g_task_set_source_tag (subtask, verify_part);
  g_task_set_task_data (subtask, current_job (download), NULL);
  g_task_run_in_thread (subtask, verify_thread);
  g_object_unref (subtask);
}

static void
part_closed_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source_object), result,
                                     &error)) {
    return_file_error (task, error, current_job (download)->part);
    return;
  }
  verify_part (task);
}

static void read_next_chunk (GTask *task);

static void
chunk_written_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source_object), result,
                                         NULL, &error)) {
    return_file_error (task, error, current_job (download)->part);
    return;
  }

  download->received += g_bytes_get_size (download->chunk);
  g_clear_pointer (&download->chunk, g_bytes_unref);
  report_progress (download);
  read_next_chunk (task);
}

static void
body_ended (GTask *task)
{
  Download *download = g_task_get_task_data (task);
  FileJob *job = current_job (download);
  goffset in_part = download->offset + download->received;

  if (download->announced >= 0 && in_part < download->announced) {
    g_autofree char *got = g_format_size (in_part);

    return_new_error (task, DISCERN_SOURCE_ERROR_NETWORK,
                      "%s: the connection ended after %s, before the end of "
                      "the file", job->url, got);
    return;
  }

  stop_watchdog (download);
  g_output_stream_close_async (download->out, G_PRIORITY_DEFAULT,
                               download->cancellable, part_closed_cb,
                               g_object_ref (task));
}

static void
chunk_read_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  FileJob *job = current_job (download);
  GError *error = NULL;
  gsize size;

  download->chunk =
    g_input_stream_read_bytes_finish (G_INPUT_STREAM (source_object), result,
                                      &error);
  if (download->chunk == NULL) {
    return_network_error (task, error, "the connection was lost");
    return;
  }

  size = g_bytes_get_size (download->chunk);
  if (size == 0) {
    body_ended (task);
    return;
  }

  /* The file's size is known, so a longer body is wrong, whatever the
   * server announced; nothing of it is kept. */
  if (download->offset + download->received + (goffset) size > download->limit) {
    remove_part (job);
    return_new_error (task, DISCERN_SOURCE_ERROR_TOO_LARGE,
                      "%s: the server sent more than the %" G_GOFFSET_FORMAT
                      " bytes the file has; the partial download was removed",
                      job->url, download->limit);
    return;
  }

  reset_watchdog (task);
  g_output_stream_write_all_async (download->out,
                                   g_bytes_get_data (download->chunk, NULL), size,
                                   G_PRIORITY_DEFAULT, download->cancellable,
                                   chunk_written_cb, g_object_ref (task));
}

static void
read_next_chunk (GTask *task)
{
  Download *download = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (download->body, CHUNK_SIZE,
                                   G_PRIORITY_DEFAULT, download->cancellable,
                                   chunk_read_cb, g_object_ref (task));
}

static void
part_opened_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  FileJob *job = current_job (download);
  GError *error = NULL;
  GFileOutputStream *out;

  out = g_file_append_to_finish (G_FILE (source_object), result, &error);
  if (out == NULL) {
    return_file_error (task, error, job->part);
    return;
  }
  download->out = G_OUTPUT_STREAM (out);

  /* Starting over empties the part in place: a replace would write a
   * hidden temporary file that an interruption leaves unresumable. */
  if (!download->append
      && !g_seekable_truncate (G_SEEKABLE (out), 0, download->cancellable,
                               &error)) {
    return_file_error (task, error, job->part);
    return;
  }

  read_next_chunk (task);
}

/* The answer came with an error status: one sentence with the status. */
static void
return_http_error (GTask *task,
                   guint  status)
{
  Download *download = g_task_get_task_data (task);
  const char *reason = soup_message_get_reason_phrase (download->message);

  if (reason == NULL) {
    reason = "";
  }
  return_new_error (task, DISCERN_SOURCE_ERROR_HTTP,
                    "%s: the server answered with HTTP %u%s%s",
                    current_job (download)->url, status,
                    reason[0] != '\0' ? " " : "", reason);
}

/* The server did not take up the range as asked (a wrong Content-Range,
 * or 416 for a part that is not a prefix of its file): drop the part and
 * ask for the whole file, once. */
static gboolean
start_over (GTask *task)
{
  Download *download = g_task_get_task_data (task);

  if (download->started_over) {
    return FALSE;
  }
  g_debug ("model: the server did not resume at %" G_GOFFSET_FORMAT
           "; starting over", download->offset);
  download->started_over = TRUE;
  remove_part (current_job (download));
  download->offset = 0;
  clear_transfer (download);
  send_request (task);
  return TRUE;
}

/* Decides from the status how the body continues the part: appended after
 * a 206 that starts where the part ends, from the start after a 200. */
static gboolean
accept_response (GTask *task)
{
  Download *download = g_task_get_task_data (task);
  SoupMessageHeaders *headers =
    soup_message_get_response_headers (download->message);
  guint status = soup_message_get_status (download->message);
  goffset start, end, total;

  if (status == SOUP_STATUS_PARTIAL_CONTENT && download->offset > 0) {
    if (soup_message_headers_get_content_range (headers, &start, &end, &total)
        && start == download->offset) {
      download->append = TRUE;
      return FALSE;
    }
    if (!start_over (task)) {
      return_http_error (task, status);
    }
    return TRUE;
  }
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE
      && download->offset > 0) {
    if (!start_over (task)) {
      return_http_error (task, status);
    }
    return TRUE;
  }
  if (status == SOUP_STATUS_OK) {
    if (download->offset > 0) {
      g_debug ("model: the server sent the whole file; starting over");
    }
    download->offset = 0;
    download->append = FALSE;
    return FALSE;
  }

  return_http_error (task, status);
  return TRUE;
}

static void
response_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  FileJob *job = current_job (download);
  SoupMessageHeaders *headers;
  g_autoptr(GFile) part = NULL;
  GError *error = NULL;

  download->body = soup_session_send_finish (SOUP_SESSION (source_object),
                                             result, &error);
  if (download->body == NULL) {
    return_network_error (task, error, "the server could not be reached");
    return;
  }
  reset_watchdog (task);
  if (accept_response (task)) {
    return;
  }

  headers = soup_message_get_response_headers (download->message);
  download->announced = -1;
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH) {
    download->announced = download->offset
                          + soup_message_headers_get_content_length (headers);
  }
  download->limit = job->expected >= 0 ? job->expected : UNKNOWN_SIZE_LIMIT;
  if (download->announced > download->limit) {
    remove_part (job);
    return_new_error (task, DISCERN_SOURCE_ERROR_TOO_LARGE,
                      "%s: the server announced %" G_GOFFSET_FORMAT " bytes, "
                      "more than the %" G_GOFFSET_FORMAT " the file has",
                      job->url, download->announced, download->limit);
    return;
  }

  report_progress (download);
  part = g_file_new_for_path (job->part);
  g_file_append_to_async (part, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT,
                          download->cancellable, part_opened_cb,
                          g_object_ref (task));
}

static void
send_request (GTask *task)
{
  Download *download = g_task_get_task_data (task);
  FileJob *job = current_job (download);
  g_autoptr(GUri) uri = NULL;

  uri = g_uri_parse (job->url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL
      || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0
          && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)) {
    return_new_error (task, DISCERN_SOURCE_ERROR_BAD_URL,
                      "%s: not an http or https URL", job->url);
    return;
  }

  download->received = 0;
  download->message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  /* The part holds the file's own bytes, so ask for them unencoded. */
  soup_message_disable_feature (download->message, SOUP_TYPE_CONTENT_DECODER);
  if (download->offset > 0) {
    SoupMessageHeaders *headers =
      soup_message_get_request_headers (download->message);

    soup_message_headers_set_range (headers, download->offset, -1);
  }

  g_debug ("model: GET %s from byte %" G_GOFFSET_FORMAT, job->url,
           download->offset);
  reset_watchdog (task);
  soup_session_send_async (download->session, download->message, G_PRIORITY_DEFAULT,
                           download->cancellable, response_cb, g_object_ref (task));
}

/* The next file that is not in place yet; a part that is already complete
 * only needs verifying. */
static void
start_file (GTask *task)
{
  Download *download = g_task_get_task_data (task);
  FileJob *job;

  while (download->current < download->jobs->len && current_job (download)->skip) {
    download->current++;
  }
  if (download->current == download->jobs->len) {
    stop_watchdog (download);
    g_task_return_boolean (task, TRUE);
    return;
  }

  job = current_job (download);
  download->offset = job->part_size;
  download->received = 0;
  download->started_over = FALSE;

  if (job->expected >= 0 && job->part_size == job->expected) {
    report_progress (download);
    verify_part (task);
    return;
  }
  send_request (task);
}

static SoupSession *
make_session (void)
{
  return soup_session_new_with_options ("user-agent",
                                        "Discern/" PACKAGE_VERSION " ",
                                        "timeout", SESSION_TIMEOUT_SECONDS,
                                        NULL);
}

void
discern_model_download_async (SoupSession              *session,
                              DiscernModelNeeds         needs,
                              const char               *dest_dir,
                              const char               *mirror,
                              DiscernModelProgressFunc  progress,
                              gpointer                  progress_data,
                              GCancellable             *cancellable,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *subtask;
  Download *download;

  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail ((needs & ~DISCERN_MODEL_NEEDS_ALL) == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  download = g_new0 (Download, 1);
  download->session = session != NULL ? g_object_ref (session) : make_session ();
  download->dest_dir = dest_dir != NULL ? g_strdup (dest_dir)
                                        : discern_model_files_get_default_dir ();
  download->progress = progress;
  download->progress_data = progress_data;
  download->cancellable = g_cancellable_new ();
  download->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) file_job_free);

  for (int kind = 0; kind < DISCERN_MODEL_N_FILES; kind++) {
    FileJob *job;

    if (!(needs & (1 << kind))) {
      continue;
    }
    job = g_new0 (FileJob, 1);
    job->kind = kind;
    job->url = discern_model_download_get_url (kind, mirror);
    job->dest = g_build_filename (download->dest_dir,
                                  discern_model_file_kind_get_file_name (kind),
                                  NULL);
    job->part = g_strconcat (job->dest, ".part", NULL);
    job->expected = _discern_model_expected_size (kind);
    g_ptr_array_add (download->jobs, job);
  }

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, discern_model_download_async);
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);
  /* The errors below say what was cancelled; GTask's own would not. */
  g_task_set_check_cancellable (task, FALSE);

  if (cancellable != NULL) {
    download->caller_cancellable = g_object_ref (cancellable);
    download->cancelled_id =
      g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                             g_object_ref (download->cancellable),
                             g_object_unref);
  }

  subtask = g_task_new (NULL, download->cancellable, prepared_cb,
                        g_object_ref (task));
  g_task_set_source_tag (subtask, prepare);
  g_task_set_task_data (subtask, download, NULL);
  g_task_run_in_thread (subtask, prepare_thread);
  g_object_unref (subtask);
}

gboolean
discern_model_download_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == discern_model_download_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
