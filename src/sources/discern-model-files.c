/* discern-model-files.c: where the VGG16 weights and class index are
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-model-files.h"

#include <errno.h>
#include <string.h>

#include "discern-model-private.h"
#include "discern-source-error.h"

#define HASH_BLOCK_SIZE (1024 * 1024)

#define STAMP_ATTRIBUTES \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE "," \
  G_FILE_ATTRIBUTE_TIME_MODIFIED "," G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC

/* What identifies one version of a file in the cache of verified hashes. */
typedef struct {
  GFileType type;
  goffset   size;
  gint64    mtime_usec;
} FileStamp;

typedef struct {
  char *model_dir;
  char *weights_path;
  char *labels_path;
} CheckRequest;

static struct {
  char    *md5;
  goffset  size;
} test_expected[DISCERN_MODEL_N_FILES];

static guint hash_count;

/* Serialises the read-modify-write of the cache file within the process;
 * between processes the atomic save means at worst an entry is lost. */
static GMutex cache_lock;

const char *
discern_model_file_kind_get_file_name (DiscernModelFileKind kind)
{
  g_return_val_if_fail (kind < DISCERN_MODEL_N_FILES, NULL);

  return kind == DISCERN_MODEL_WEIGHTS
         ? DISCERN_WEIGHTS_FILE_NAME : DISCERN_LABELS_FILE_NAME;
}

const char *
_discern_model_expected_md5 (DiscernModelFileKind kind)
{
  if (test_expected[kind].md5 != NULL) {
    return test_expected[kind].md5;
  }
  return kind == DISCERN_MODEL_WEIGHTS ? DISCERN_WEIGHTS_MD5 : DISCERN_LABELS_MD5;
}

goffset
_discern_model_expected_size (DiscernModelFileKind kind)
{
  if (test_expected[kind].md5 != NULL) {
    return test_expected[kind].size;
  }
  return kind == DISCERN_MODEL_WEIGHTS ? DISCERN_WEIGHTS_SIZE : DISCERN_LABELS_SIZE;
}

void
_discern_model_set_expected_for_tests (DiscernModelFileKind  kind,
                                       const char           *md5,
                                       goffset               size)
{
  g_return_if_fail (kind < DISCERN_MODEL_N_FILES);

  g_free (test_expected[kind].md5);
  test_expected[kind].md5 = md5 != NULL ? g_ascii_strdown (md5, -1) : NULL;
  test_expected[kind].size = size;
}

guint
_discern_model_get_hash_count_for_tests (void)
{
  return g_atomic_int_get (&hash_count);
}

/* A failure to stat or read a model file, with the path in front. A
 * cancellation stays what it is. */
static void
propagate_file_error (GError     **error,
                      GError      *cause,
                      const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, cause);
    return;
  }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_FOUND,
                 "“%s”: no such file", display);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_READ,
                 "“%s” could not be read: %s", display, cause->message);
  }
  g_error_free (cause);
}

static gboolean
stamp_file (const char    *path,
            FileStamp     *stamp,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;
  GError *local_error = NULL;

  info = g_file_query_info (file, STAMP_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                            cancellable, &local_error);
  if (info == NULL) {
    propagate_file_error (error, local_error, path);
    return FALSE;
  }

  stamp->type = g_file_info_get_file_type (info);
  stamp->size = g_file_info_get_size (info);
  stamp->mtime_usec =
    (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED)
    * G_USEC_PER_SEC
    + g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
  return TRUE;
}

char *
_discern_model_hash_file (const char    *path,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guint8 *block = g_malloc (HASH_BLOCK_SIZE);
  GError *local_error = NULL;
  gssize count;

  g_atomic_int_inc (&hash_count);
  g_debug ("model: hashing %s", path);

  stream = g_file_read (file, cancellable, &local_error);
  if (stream == NULL) {
    propagate_file_error (error, local_error, path);
    return NULL;
  }

  do {
    count = g_input_stream_read (G_INPUT_STREAM (stream), block, HASH_BLOCK_SIZE,
                                 cancellable, &local_error);
    if (count > 0) {
      g_checksum_update (checksum, block, count);
    }
  } while (count > 0);

  if (count < 0) {
    propagate_file_error (error, local_error, path);
    return NULL;
  }

  return g_strdup (g_checksum_get_string (checksum));
}

/* The cache of verified hashes: ~/.cache/discern/verified.ini, one group
 * per file, named by the SHA-256 of its path so that any path fits. */

static char *
cache_file_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "discern", "verified.ini",
                           NULL);
}

static char *
cache_group (const char *path)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
}

static gboolean
is_md5_hex (const char *text)
{
  if (text == NULL || strlen (text) != 32) {
    return FALSE;
  }
  for (int i = 0; i < 32; i++) {
    if (!g_ascii_isxdigit (text[i])) {
      return FALSE;
    }
  }
  return TRUE;
}

/* Returns the remembered MD5 of `path` if it was computed for this size
 * and modification time; an unreadable or garbled cache is just a miss. */
static char *
cache_lookup (const char      *path,
              const FileStamp *stamp)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *file_path = cache_file_path ();
  g_autofree char *group = cache_group (path);
  g_autofree char *md5 = NULL;
  gboolean loaded;

  g_mutex_lock (&cache_lock);
  loaded = g_key_file_load_from_file (keys, file_path, G_KEY_FILE_NONE, NULL);
  g_mutex_unlock (&cache_lock);

  if (!loaded || !g_key_file_has_group (keys, group)) {
    return NULL;
  }
  if (g_key_file_get_int64 (keys, group, "size", NULL) != stamp->size
      || g_key_file_get_int64 (keys, group, "mtime-usec", NULL)
         != stamp->mtime_usec) {
    return NULL;
  }

  md5 = g_key_file_get_string (keys, group, "md5", NULL);
  return is_md5_hex (md5) ? g_ascii_strdown (md5, -1) : NULL;
}

static void
cache_store (const char      *path,
             const FileStamp *stamp,
             const char      *md5)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *file_path = cache_file_path ();
  g_autofree char *dir = g_path_get_dirname (file_path);
  g_autofree char *group = cache_group (path);
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&cache_lock);

  g_key_file_load_from_file (keys, file_path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  g_key_file_set_string (keys, group, "path", display);
  g_key_file_set_int64 (keys, group, "size", stamp->size);
  g_key_file_set_int64 (keys, group, "mtime-usec", stamp->mtime_usec);
  g_key_file_set_string (keys, group, "md5", md5);

  /* Without the cache the next start hashes again; nothing else breaks. */
  if (g_mkdir_with_parents (dir, 0700) != 0
      || !g_key_file_save_to_file (keys, file_path, &error)) {
    g_debug ("model: could not remember the hash of %s in %s: %s", path, file_path,
             error != NULL ? error->message : g_strerror (errno));
  }

  g_mutex_unlock (&cache_lock);
}

void
_discern_model_remember (const char *path,
                         const char *md5)
{
  FileStamp stamp;

  if (stamp_file (path, &stamp, NULL, NULL)) {
    cache_store (path, &stamp, md5);
  }
}

/* The MD5 from the cache, or computed and then remembered. It is only
 * remembered when the file did not change while it was read. */
static char *
get_md5 (const char       *path,
         const FileStamp  *stamp,
         GCancellable     *cancellable,
         GError          **error)
{
  char *md5 = cache_lookup (path, stamp);
  FileStamp after;

  if (md5 != NULL) {
    g_debug ("model: %s verified before", path);
    return md5;
  }

  md5 = _discern_model_hash_file (path, cancellable, error);
  if (md5 != NULL && stamp_file (path, &after, NULL, NULL)
      && after.size == stamp->size && after.mtime_usec == stamp->mtime_usec) {
    cache_store (path, stamp, md5);
  }
  return md5;
}

static void
model_file_clear (DiscernModelFile *file)
{
  g_clear_pointer (&file->path, g_free);
  g_clear_pointer (&file->md5, g_free);
  file->size = -1;
  file->state = DISCERN_MODEL_FILE_MISSING;
  file->named = FALSE;
}

/* Fills `file` for the regular file at `path`. A differing size settles
 * the matter without reading the file. */
static gboolean
inspect_file (DiscernModelFile  *file,
              const char        *path,
              const FileStamp   *stamp,
              gboolean           named,
              GCancellable      *cancellable,
              GError           **error)
{
  goffset expected_size = _discern_model_expected_size (file->kind);
  gboolean matches = FALSE;

  if (expected_size < 0 || stamp->size == expected_size) {
    file->md5 = get_md5 (path, stamp, cancellable, error);
    if (file->md5 == NULL) {
      return FALSE;
    }
    matches = g_str_equal (file->md5, _discern_model_expected_md5 (file->kind));
  }

  file->path = g_strdup (path);
  file->size = stamp->size;
  file->named = named;
  if (matches) {
    file->state = DISCERN_MODEL_FILE_VERIFIED;
  } else if (named) {
    file->state = DISCERN_MODEL_FILE_UNVERIFIED;
  } else {
    file->state = DISCERN_MODEL_FILE_DAMAGED;
  }
  g_debug ("model: %s: %s", path,
           matches ? "verified" : "differs from Keras' file");
  return TRUE;
}

gboolean
_discern_model_is_verified (DiscernModelFileKind  kind,
                            const char           *path,
                            GCancellable         *cancellable)
{
  DiscernModelFile file = { .kind = kind, .size = -1 };
  FileStamp stamp;
  gboolean verified;

  if (!stamp_file (path, &stamp, cancellable, NULL)
      || stamp.type != G_FILE_TYPE_REGULAR) {
    return FALSE;
  }
  verified = inspect_file (&file, path, &stamp, FALSE, cancellable, NULL)
             && file.state == DISCERN_MODEL_FILE_VERIFIED;
  model_file_clear (&file);
  return verified;
}

static gboolean
check_named_file (DiscernModelFile  *file,
                  const char        *path,
                  GCancellable      *cancellable,
                  GError           **error)
{
  FileStamp stamp;

  if (!stamp_file (path, &stamp, cancellable, error)) {
    return FALSE;
  }
  if (stamp.type != G_FILE_TYPE_REGULAR) {
    g_autofree char *display = g_filename_display_name (path);

    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_FOUND,
                 "“%s” is not a file", display);
    return FALSE;
  }

  return inspect_file (file, path, &stamp, TRUE, cancellable, error);
}

/* The first good or named file in the folders wins. A damaged file in a
 * default folder is passed over, and reported only when nothing better
 * turns up. */
static gboolean
search_file (DiscernModelFile  *file,
             GPtrArray         *dirs,
             guint              n_named_dirs,
             GCancellable      *cancellable,
             GError           **error)
{
  const char *name = discern_model_file_kind_get_file_name (file->kind);
  DiscernModelFile damaged = { .kind = file->kind, .size = -1 };

  for (guint i = 0; i < dirs->len; i++) {
    g_autofree char *path = g_build_filename (dirs->pdata[i], name, NULL);
    DiscernModelFile candidate = { .kind = file->kind, .size = -1 };
    FileStamp stamp;

    if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)
        || !stamp_file (path, &stamp, cancellable, NULL)) {
      continue;
    }
    if (!inspect_file (&candidate, path, &stamp, i < n_named_dirs, cancellable,
                       error)) {
      model_file_clear (&damaged);
      return FALSE;
    }

    if (candidate.state != DISCERN_MODEL_FILE_DAMAGED) {
      model_file_clear (&damaged);
      *file = candidate;
      return TRUE;
    }
    if (damaged.path == NULL) {
      damaged = candidate;
    } else {
      model_file_clear (&candidate);
    }
  }

  *file = damaged;
  return TRUE;
}

/* The search folders; the first `n_named` of them were named by the user. */
static GPtrArray *
collect_dirs (const char *model_dir,
              guint      *n_named)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  const char *from_env = g_getenv ("DISCERN_MODEL_DIR");

  if (model_dir != NULL && model_dir[0] != '\0') {
    g_ptr_array_add (dirs, g_strdup (model_dir));
  }
  if (from_env != NULL && from_env[0] != '\0') {
    g_ptr_array_add (dirs, g_strdup (from_env));
  }
  *n_named = dirs->len;
  g_ptr_array_add (dirs, discern_model_files_get_default_dir ());
  g_ptr_array_add (dirs, g_build_filename (g_get_home_dir (), ".keras", "models",
                                           NULL));

  return dirs;
}

GPtrArray *
discern_model_files_search_dirs (const char *model_dir)
{
  guint n_named;

  return collect_dirs (model_dir, &n_named);
}

char *
discern_model_files_get_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "discern", "models", NULL);
}

void
discern_model_files_free (DiscernModelFiles *files)
{
  if (files == NULL) {
    return;
  }
  model_file_clear (&files->weights);
  model_file_clear (&files->labels);
  g_strfreev (files->searched);
  g_free (files);
}

DiscernModelFiles *
discern_model_files_check (const char    *model_dir,
                           const char    *weights_path,
                           const char    *labels_path,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(DiscernModelFiles) files = g_new0 (DiscernModelFiles, 1);
  g_autoptr(GPtrArray) dirs = NULL;
  DiscernModelFile *each[] = { &files->weights, &files->labels };
  const char *named_paths[] = { weights_path, labels_path };
  guint n_named_dirs;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dirs = collect_dirs (model_dir, &n_named_dirs);

  for (int kind = 0; kind < DISCERN_MODEL_N_FILES; kind++) {
    gboolean found;

    each[kind]->kind = kind;
    each[kind]->size = -1;
    if (named_paths[kind] != NULL) {
      found = check_named_file (each[kind], named_paths[kind], cancellable, error);
    } else {
      found = search_file (each[kind], dirs, n_named_dirs, cancellable, error);
    }
    if (!found) {
      return NULL;
    }
  }

  g_ptr_array_add (dirs, NULL);
  files->searched = (char **) g_ptr_array_free (g_steal_pointer (&dirs), FALSE);
  return g_steal_pointer (&files);
}

static void
check_request_free (CheckRequest *request)
{
  g_free (request->model_dir);
  g_free (request->weights_path);
  g_free (request->labels_path);
  g_free (request);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckRequest *request = task_data;
  DiscernModelFiles *files;
  GError *error = NULL;

  files = discern_model_files_check (request->model_dir, request->weights_path,
                                     request->labels_path, cancellable, &error);
  if (files == NULL) {
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, files, (GDestroyNotify) discern_model_files_free);
}

void
discern_model_files_check_async (const char          *model_dir,
                                 const char          *weights_path,
                                 const char          *labels_path,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckRequest *request = g_new0 (CheckRequest, 1);

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  request->model_dir = g_strdup (model_dir);
  request->weights_path = g_strdup (weights_path);
  request->labels_path = g_strdup (labels_path);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, discern_model_files_check_async);
  g_task_set_task_data (task, request, (GDestroyNotify) check_request_free);
  g_task_run_in_thread (task, check_thread);
}

DiscernModelFiles *
discern_model_files_check_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == discern_model_files_check_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
is_usable (const DiscernModelFile *file)
{
  return file->state == DISCERN_MODEL_FILE_VERIFIED
         || file->state == DISCERN_MODEL_FILE_UNVERIFIED;
}

DiscernModelNeeds
discern_model_files_get_needs (const DiscernModelFiles *files)
{
  DiscernModelNeeds needs = 0;

  g_return_val_if_fail (files != NULL, 0);

  if (!is_usable (&files->weights)) {
    needs |= DISCERN_MODEL_NEEDS_WEIGHTS;
  }
  if (!is_usable (&files->labels)) {
    needs |= DISCERN_MODEL_NEEDS_LABELS;
  }
  return needs;
}

/* One line per needed file: its name, size and Keras' URL, and where a
 * damaged copy lies. */
static void
append_needed_file (GString                *message,
                    DiscernModelFileKind    kind,
                    const DiscernModelFile *file)
{
  g_autofree char *size = g_format_size_full (kind == DISCERN_MODEL_WEIGHTS
                                              ? DISCERN_WEIGHTS_SIZE : DISCERN_LABELS_SIZE,
                                              G_FORMAT_SIZE_IEC_UNITS);

  g_string_append_printf (message, "  %s (%s), from %s\n",
                          discern_model_file_kind_get_file_name (kind), size,
                          kind == DISCERN_MODEL_WEIGHTS
                          ? DISCERN_WEIGHTS_URL : DISCERN_LABELS_URL);
  if (file != NULL && file->state == DISCERN_MODEL_FILE_DAMAGED) {
    g_autofree char *display = g_filename_display_name (file->path);

    g_string_append_printf (message, "    (the copy in “%s” is damaged: its size or "
                            "checksum differs from Keras' file)\n", display);
  }
}

static void
append_dirs (GString    *message,
             char      **dirs)
{
  g_string_append (message, "It looked in:\n");
  for (int i = 0; dirs[i] != NULL; i++) {
    g_autofree char *display = g_filename_display_name (dirs[i]);

    g_string_append_printf (message, "  %s\n", display);
  }
}

gboolean
discern_model_files_ensure_usable (const DiscernModelFiles  *files,
                                   GError                  **error)
{
  DiscernModelNeeds needs;
  gboolean any_missing;
  g_autoptr(GString) message = NULL;

  g_return_val_if_fail (files != NULL, FALSE);

  needs = discern_model_files_get_needs (files);
  if (needs == 0) {
    return TRUE;
  }

  any_missing = files->weights.state == DISCERN_MODEL_FILE_MISSING
                || files->labels.state == DISCERN_MODEL_FILE_MISSING;
  message = g_string_new (any_missing ? "The VGG16 model was not found.\n"
                                      : "The VGG16 model files are damaged.\n");
  g_string_append (message, "Discern needs:\n");
  if (needs & DISCERN_MODEL_NEEDS_WEIGHTS) {
    append_needed_file (message, DISCERN_MODEL_WEIGHTS, &files->weights);
  }
  if (needs & DISCERN_MODEL_NEEDS_LABELS) {
    append_needed_file (message, DISCERN_MODEL_LABELS, &files->labels);
  }
  append_dirs (message, files->searched);
  g_string_truncate (message, message->len - 1);

  g_set_error_literal (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_MODEL_MISSING,
                       message->str);
  return FALSE;
}

/* An explicit path must exist; otherwise the first folder that holds a
 * regular file of that name wins. */
static char *
find_one (const char  *explicit_path,
          const char  *file_name,
          GPtrArray   *dirs,
          GError     **error)
{
  if (explicit_path != NULL) {
    if (!g_file_test (explicit_path, G_FILE_TEST_EXISTS)) {
      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_FOUND,
                   "“%s”: no such file", explicit_path);
      return NULL;
    }
    return g_strdup (explicit_path);
  }

  for (guint i = 0; i < dirs->len; i++) {
    g_autofree char *path = g_build_filename (dirs->pdata[i], file_name, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      g_debug ("model: %s found at %s", file_name, path);
      return g_steal_pointer (&path);
    }
  }

  return NULL;
}

gboolean
discern_model_files_find (const char  *weights_path,
                          const char  *labels_path,
                          char       **weights_out,
                          char       **labels_out,
                          GError     **error)
{
  g_autoptr(GPtrArray) dirs = discern_model_files_search_dirs (NULL);
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(GString) message = NULL;

  g_return_val_if_fail (weights_out != NULL && labels_out != NULL, FALSE);

  weights = find_one (weights_path, DISCERN_WEIGHTS_FILE_NAME, dirs, error);
  if (weights == NULL && weights_path != NULL) {
    return FALSE;
  }
  labels = find_one (labels_path, DISCERN_LABELS_FILE_NAME, dirs, error);
  if (labels == NULL && labels_path != NULL) {
    return FALSE;
  }

  if (weights != NULL && labels != NULL) {
    *weights_out = g_steal_pointer (&weights);
    *labels_out = g_steal_pointer (&labels);
    return TRUE;
  }

  message = g_string_new ("The VGG16 model was not found.\nDiscern needs:\n");
  if (weights == NULL) {
    append_needed_file (message, DISCERN_MODEL_WEIGHTS, NULL);
  }
  if (labels == NULL) {
    append_needed_file (message, DISCERN_MODEL_LABELS, NULL);
  }
  g_ptr_array_add (dirs, NULL);
  append_dirs (message, (char **) dirs->pdata);
  g_string_append (message,
                   "Put the files in one of these folders, or name them with "
                   "--weights and --labels.");
  g_set_error_literal (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_MODEL_MISSING,
                       message->str);
  return FALSE;
}
