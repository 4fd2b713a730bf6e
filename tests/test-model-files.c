/* test-model-files.c: finding the weights and the class index
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "discern-model-files.h"
#include "discern-model-private.h"
#include "discern-source-error.h"

/* Every test starts with empty home, data, cache and config folders. GLib
 * reads them once, so they point into one temporary folder from the start
 * and are emptied before each test; G_TEST_OPTION_ISOLATE_DIRS would do the
 * same, but leaks in GLib 2.74, which the sanitizer build reports. */

static char *test_root;

static const char * const test_dir_names[] = { "home", "data", "cache", "config" };
static const char * const test_dir_vars[] = {
  "HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"
};

typedef struct {
  GTestFunc     plain;
  GTestDataFunc with_data;
  gconstpointer data;
} TestCase;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR)
          && !g_file_test (child, G_FILE_TEST_IS_SYMLINK)) {
        remove_tree (child);
      } else {
        g_unlink (child);
      }
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

static void
test_dirs_init (void)
{
  g_autoptr(GError) error = NULL;

  test_root = g_dir_make_tmp ("discern-test-XXXXXX", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (test_dir_names); i++) {
    g_autofree char *dir = g_build_filename (test_root, test_dir_names[i], NULL);

    g_setenv (test_dir_vars[i], dir, TRUE);
  }
}

static void
run_test_case (gconstpointer data)
{
  const TestCase *test_case = data;

  for (gsize i = 0; i < G_N_ELEMENTS (test_dir_names); i++) {
    g_autofree char *dir = g_build_filename (test_root, test_dir_names[i], NULL);

    remove_tree (dir);
    g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  }

  if (test_case->plain != NULL) {
    test_case->plain ();
  } else {
    test_case->with_data (test_case->data);
  }
}

static void
add_test (const char *path,
          GTestFunc   func)
{
  TestCase *test_case = g_new0 (TestCase, 1);

  test_case->plain = func;
  g_test_add_data_func_full (path, test_case, run_test_case, g_free);
}

static void
add_data_test (const char    *path,
               gconstpointer  data,
               GTestDataFunc  func)
{
  TestCase *test_case = g_new0 (TestCase, 1);

  test_case->with_data = func;
  test_case->data = data;
  g_test_add_data_func_full (path, test_case, run_test_case, g_free);
}

typedef enum {
  PLACE_ENV,
  PLACE_DATA,
  PLACE_KERAS,
  PLACE_PREFS,
  N_PLACES
} Place;

/* A fake model: the tests declare these contents to be Keras' files. */
#define GOOD_LABELS "{\"0\": [\"n01440764\", \"tench\"]}"
#define WEIGHTS_SIZE 4096

static guint8 good_weights[WEIGHTS_SIZE];

static char *
place_dir (Place place)
{
  switch (place) {
  case PLACE_ENV:
    return g_build_filename (g_get_home_dir (), "env-models", NULL);
  case PLACE_PREFS:
    return g_build_filename (g_get_home_dir (), "prefs-models", NULL);
  case PLACE_DATA:
    return g_build_filename (g_get_user_data_dir (), "discern", "models", NULL);
  case PLACE_KERAS:
    return g_build_filename (g_get_home_dir (), ".keras", "models", NULL);
  default:
    g_assert_not_reached ();
  }
}

static char *
put_file (Place       place,
          const char *name)
{
  g_autofree char *dir = place_dir (place);
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, "x", 1, &error);
  g_assert_no_error (error);
  return path;
}

static void
put_both (Place place)
{
  g_free (put_file (place, DISCERN_WEIGHTS_FILE_NAME));
  g_free (put_file (place, DISCERN_LABELS_FILE_NAME));
}

static void
use_env_dir (gboolean on)
{
  g_autofree char *dir = place_dir (PLACE_ENV);

  if (on) {
    g_setenv ("DISCERN_MODEL_DIR", dir, TRUE);
  } else {
    g_unsetenv ("DISCERN_MODEL_DIR");
  }
}

static void
assert_found_in (Place place)
{
  g_autofree char *dir = place_dir (place);
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *weights_dir = NULL;
  g_autofree char *labels_dir = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (discern_model_files_find (NULL, NULL, &weights, &labels, &error));
  g_assert_no_error (error);
  weights_dir = g_path_get_dirname (weights);
  labels_dir = g_path_get_dirname (labels);
  g_assert_cmpstr (weights_dir, ==, dir);
  g_assert_cmpstr (labels_dir, ==, dir);
}

/* Table: which places hold the files, with or without $DISCERN_MODEL_DIR,
 * and which one must win. */
typedef struct {
  const char *path;
  gboolean    filled[N_PLACES];
  gboolean    env_set;
  Place       winner;
} PrecedenceCase;

static const PrecedenceCase precedence_cases[] = {
  { "/sources/model-files/keras-cache", { FALSE, FALSE, TRUE }, FALSE, PLACE_KERAS },
  { "/sources/model-files/data-dir", { FALSE, TRUE, FALSE }, FALSE, PLACE_DATA },
  { "/sources/model-files/data-before-keras", { FALSE, TRUE, TRUE }, FALSE, PLACE_DATA },
  { "/sources/model-files/env-before-all", { TRUE, TRUE, TRUE }, TRUE, PLACE_ENV },
  { "/sources/model-files/env-set-but-empty", { FALSE, FALSE, TRUE }, TRUE, PLACE_KERAS },
  { "/sources/model-files/env-ignored-unset", { TRUE, FALSE, TRUE }, FALSE, PLACE_KERAS },
};

/* The preferences' folder is only passed to the check; it comes first. */
static const PrecedenceCase check_cases[] = {
  { "/sources/model-files/check/keras-cache", { FALSE, FALSE, TRUE, FALSE }, FALSE, PLACE_KERAS },
  { "/sources/model-files/check/data-dir", { FALSE, TRUE, FALSE, FALSE }, FALSE, PLACE_DATA },
  { "/sources/model-files/check/data-before-keras", { FALSE, TRUE, TRUE, FALSE }, FALSE,
    PLACE_DATA },
  { "/sources/model-files/check/env-before-defaults", { TRUE, TRUE, TRUE, FALSE }, TRUE,
    PLACE_ENV },
  { "/sources/model-files/check/prefs-before-env", { TRUE, TRUE, TRUE, TRUE }, TRUE,
    PLACE_PREFS },
  { "/sources/model-files/check/prefs-alone", { FALSE, FALSE, FALSE, TRUE }, FALSE,
    PLACE_PREFS },
};

static void
test_precedence (gconstpointer data)
{
  const PrecedenceCase *test_case = data;

  for (int place = 0; place < N_PLACES; place++) {
    if (test_case->filled[place]) {
      put_both (place);
    }
  }
  use_env_dir (test_case->env_set);
  assert_found_in (test_case->winner);
  use_env_dir (FALSE);
}

static void
test_nothing_found (void)
{
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *keras_dir = place_dir (PLACE_KERAS);
  g_autoptr(GError) error = NULL;

  g_assert_false (discern_model_files_find (NULL, NULL, &weights, &labels, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_MODEL_MISSING);
  g_assert_null (weights);
  g_assert_null (labels);

  /* The message says what is needed, where it was looked for and where it
   * can be downloaded. */
  g_assert_nonnull (strstr (error->message, DISCERN_WEIGHTS_FILE_NAME));
  g_assert_nonnull (strstr (error->message, DISCERN_LABELS_FILE_NAME));
  g_assert_nonnull (strstr (error->message, DISCERN_WEIGHTS_URL));
  g_assert_nonnull (strstr (error->message, DISCERN_LABELS_URL));
  g_assert_nonnull (strstr (error->message, keras_dir));
}

static void
test_only_labels_missing (void)
{
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(GError) error = NULL;

  g_free (put_file (PLACE_KERAS, DISCERN_WEIGHTS_FILE_NAME));
  g_assert_false (discern_model_files_find (NULL, NULL, &weights, &labels, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_MODEL_MISSING);
  g_assert_nonnull (strstr (error->message, DISCERN_LABELS_URL));
  g_assert_null (strstr (error->message, DISCERN_WEIGHTS_URL));
}

static void
test_explicit_paths (void)
{
  g_autofree char *own_weights = put_file (PLACE_ENV, "my-vgg16.h5");
  g_autofree char *own_labels = put_file (PLACE_ENV, "my-classes.json");
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(GError) error = NULL;

  put_both (PLACE_DATA);
  g_assert_true (discern_model_files_find (own_weights, own_labels,
                                           &weights, &labels, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (weights, ==, own_weights);
  g_assert_cmpstr (labels, ==, own_labels);
}

static void
test_explicit_missing (void)
{
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(GError) error = NULL;

  put_both (PLACE_DATA);
  g_assert_false (discern_model_files_find ("/nonexistent/w.h5", NULL,
                                            &weights, &labels, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/nonexistent/w.h5"));
}

static void
test_directory_not_taken (void)
{
  g_autofree char *dir = place_dir (PLACE_DATA);
  g_autofree char *as_dir = g_build_filename (dir, DISCERN_WEIGHTS_FILE_NAME, NULL);
  g_autofree char *keras_dir = place_dir (PLACE_KERAS);
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *weights_dir = NULL;
  g_autofree char *labels_dir = NULL;
  g_autoptr(GError) error = NULL;

  /* A folder with the weights' name must not count as the weights; the
   * labels beside it still come first. */
  g_assert_cmpint (g_mkdir_with_parents (as_dir, 0700), ==, 0);
  g_free (put_file (PLACE_DATA, DISCERN_LABELS_FILE_NAME));
  put_both (PLACE_KERAS);
  g_assert_true (discern_model_files_find (NULL, NULL, &weights, &labels, &error));
  g_assert_no_error (error);
  weights_dir = g_path_get_dirname (weights);
  labels_dir = g_path_get_dirname (labels);
  g_assert_cmpstr (weights_dir, ==, keras_dir);
  g_assert_cmpstr (labels_dir, ==, dir);
}

/* Checking: the fake model's files, good or not, in the places. */

static char *
write_model_file (Place         place,
                  const char   *name,
                  gconstpointer contents,
                  gsize         size)
{
  g_autofree char *dir = place_dir (place);
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, size, &error);
  g_assert_no_error (error);
  return path;
}

static char *
put_good_weights (Place place)
{
  return write_model_file (place, DISCERN_WEIGHTS_FILE_NAME, good_weights, WEIGHTS_SIZE);
}

/* Same size as the good weights, one byte different: only the MD5 tells. */
static char *
put_altered_weights (Place place)
{
  g_autofree guint8 *altered = g_memdup2 (good_weights, WEIGHTS_SIZE);

  altered[WEIGHTS_SIZE / 2] ^= 0x01;
  return write_model_file (place, DISCERN_WEIGHTS_FILE_NAME, altered, WEIGHTS_SIZE);
}

static void
put_good_labels (Place place)
{
  g_free (write_model_file (place, DISCERN_LABELS_FILE_NAME, GOOD_LABELS,
                            strlen (GOOD_LABELS)));
}

static void
put_good_model (Place place)
{
  g_free (put_good_weights (place));
  put_good_labels (place);
}

static DiscernModelFiles *
check_ok (const char *weights_path,
          const char *labels_path)
{
  g_autofree char *prefs = place_dir (PLACE_PREFS);
  g_autoptr(GError) error = NULL;
  DiscernModelFiles *files;

  files = discern_model_files_check (prefs, weights_path, labels_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (files);
  return files;
}

static void
assert_in_place (const DiscernModelFile *file,
                 Place                   place)
{
  g_autofree char *dir = place_dir (place);
  g_autofree char *file_dir = NULL;

  g_assert_nonnull (file->path);
  file_dir = g_path_get_dirname (file->path);
  g_assert_cmpstr (file_dir, ==, dir);
}

static void
test_check_precedence (gconstpointer data)
{
  const PrecedenceCase *test_case = data;
  g_autoptr(DiscernModelFiles) files = NULL;
  gboolean named = test_case->winner == PLACE_ENV || test_case->winner == PLACE_PREFS;

  for (int place = 0; place < N_PLACES; place++) {
    if (test_case->filled[place]) {
      put_good_model (place);
    }
  }
  use_env_dir (test_case->env_set);
  files = check_ok (NULL, NULL);
  use_env_dir (FALSE);

  g_assert_cmpint (files->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpint (files->labels.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpint (files->weights.size, ==, WEIGHTS_SIZE);
  g_assert_cmpint (files->weights.named, ==, named);
  g_assert_cmpint (discern_model_files_get_needs (files), ==, 0);
  assert_in_place (&files->weights, test_case->winner);
  assert_in_place (&files->labels, test_case->winner);
  g_assert_true (discern_model_files_ensure_usable (files, NULL));
}

static void
test_check_missing (void)
{
  g_autoptr(DiscernModelFiles) files = check_ok (NULL, NULL);
  g_autofree char *keras_dir = place_dir (PLACE_KERAS);
  g_autofree char *prefs_dir = place_dir (PLACE_PREFS);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (files->weights.state, ==, DISCERN_MODEL_FILE_MISSING);
  g_assert_cmpint (files->labels.state, ==, DISCERN_MODEL_FILE_MISSING);
  g_assert_null (files->weights.path);
  g_assert_cmpint (discern_model_files_get_needs (files), ==, DISCERN_MODEL_NEEDS_ALL);

  g_assert_false (discern_model_files_ensure_usable (files, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_MODEL_MISSING);
  g_assert_nonnull (strstr (error->message, DISCERN_WEIGHTS_URL));
  g_assert_nonnull (strstr (error->message, DISCERN_LABELS_URL));
  g_assert_nonnull (strstr (error->message, keras_dir));
  g_assert_nonnull (strstr (error->message, prefs_dir));
}

/* A damaged copy in the data folder is passed over for a good one in
 * Keras' cache. */
static void
test_check_damaged_skipped (void)
{
  g_autoptr(DiscernModelFiles) files = NULL;

  g_free (put_altered_weights (PLACE_DATA));
  put_good_model (PLACE_KERAS);
  files = check_ok (NULL, NULL);
  g_assert_cmpint (files->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  assert_in_place (&files->weights, PLACE_KERAS);
}

static void
test_check_damaged (void)
{
  g_autofree char *altered = put_altered_weights (PLACE_KERAS);
  g_autoptr(DiscernModelFiles) files = NULL;
  g_autoptr(GError) error = NULL;

  put_good_labels (PLACE_KERAS);
  files = check_ok (NULL, NULL);
  g_assert_cmpint (files->weights.state, ==, DISCERN_MODEL_FILE_DAMAGED);
  g_assert_cmpstr (files->weights.path, ==, altered);
  g_assert_nonnull (files->weights.md5);
  g_assert_cmpint (files->labels.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpint (discern_model_files_get_needs (files), ==, DISCERN_MODEL_NEEDS_WEIGHTS);

  g_assert_false (discern_model_files_ensure_usable (files, &error));
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_MODEL_MISSING);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_assert_nonnull (strstr (error->message, altered));
  g_assert_null (strstr (error->message, DISCERN_LABELS_URL));
}

/* A file of the wrong size is damaged without being read. */
static void
test_check_wrong_size (void)
{
  g_autoptr(DiscernModelFiles) files = NULL;
  guint hashed;

  g_free (write_model_file (PLACE_DATA, DISCERN_WEIGHTS_FILE_NAME, "short", 5));
  put_good_labels (PLACE_DATA);
  hashed = _discern_model_get_hash_count_for_tests ();
  files = check_ok (NULL, NULL);
  g_assert_cmpint (files->weights.state, ==, DISCERN_MODEL_FILE_DAMAGED);
  g_assert_cmpint (files->weights.size, ==, 5);
  g_assert_null (files->weights.md5);
  g_assert_cmpuint (_discern_model_get_hash_count_for_tests (), ==, hashed + 1);
}

/* Files the user named are used even when they differ, marked so. */
static void
test_check_named_unverified (void)
{
  g_autofree char *own = write_model_file (PLACE_DATA, "my-vgg16.h5", "fine-tuned", 10);
  g_autoptr(DiscernModelFiles) by_path = NULL;
  g_autoptr(DiscernModelFiles) by_env = NULL;
  g_autoptr(DiscernModelFiles) by_prefs = NULL;

  put_good_model (PLACE_KERAS);
  by_path = check_ok (own, NULL);
  g_assert_cmpint (by_path->weights.state, ==, DISCERN_MODEL_FILE_UNVERIFIED);
  g_assert_true (by_path->weights.named);
  g_assert_cmpstr (by_path->weights.path, ==, own);
  g_assert_cmpint (by_path->labels.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpint (discern_model_files_get_needs (by_path), ==, 0);

  g_free (put_altered_weights (PLACE_ENV));
  use_env_dir (TRUE);
  by_env = check_ok (NULL, NULL);
  g_assert_cmpint (by_env->weights.state, ==, DISCERN_MODEL_FILE_UNVERIFIED);
  assert_in_place (&by_env->weights, PLACE_ENV);
  assert_in_place (&by_env->labels, PLACE_KERAS);

  g_free (put_altered_weights (PLACE_PREFS));
  by_prefs = check_ok (NULL, NULL);
  use_env_dir (FALSE);
  g_assert_cmpint (by_prefs->weights.state, ==, DISCERN_MODEL_FILE_UNVERIFIED);
  assert_in_place (&by_prefs->weights, PLACE_PREFS);
}

static void
test_check_named_missing (void)
{
  g_autoptr(DiscernModelFiles) files = NULL;
  g_autoptr(GError) error = NULL;

  put_good_model (PLACE_KERAS);
  files = discern_model_files_check (NULL, NULL, "/nonexistent/classes.json", NULL, &error);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_FOUND);
  g_assert_null (files);
  g_assert_nonnull (strstr (error->message, "/nonexistent/classes.json"));
}

static void
set_mtime (const char *path,
           gint64      mtime_usec)
{
  struct timespec times[2] = {
    { .tv_sec = mtime_usec / G_USEC_PER_SEC, .tv_nsec = (mtime_usec % G_USEC_PER_SEC) * 1000 },
    { .tv_sec = mtime_usec / G_USEC_PER_SEC, .tv_nsec = (mtime_usec % G_USEC_PER_SEC) * 1000 },
  };

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

/* The second check trusts the remembered MD5: it reads nothing, so a
 * change of content that keeps size and time goes unnoticed. That is the
 * proof the cache is used; a real change of the file is noticed. */
static void
test_check_remembered (void)
{
  g_autofree char *weights = put_good_weights (PLACE_KERAS);
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "discern",
                                             "verified.ini", NULL);
  const gint64 mtime = G_GINT64_CONSTANT (1700000000123456);
  g_autoptr(DiscernModelFiles) first = NULL;
  g_autoptr(DiscernModelFiles) second = NULL;
  g_autoptr(DiscernModelFiles) third = NULL;
  guint hashed;

  put_good_labels (PLACE_KERAS);
  set_mtime (weights, mtime);
  hashed = _discern_model_get_hash_count_for_tests ();
  first = check_ok (NULL, NULL);
  g_assert_cmpuint (_discern_model_get_hash_count_for_tests (), ==, hashed + 2);
  g_assert_cmpint (first->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_true (g_file_test (cache, G_FILE_TEST_IS_REGULAR));

  g_free (put_altered_weights (PLACE_KERAS));
  set_mtime (weights, mtime);
  second = check_ok (NULL, NULL);
  g_assert_cmpuint (_discern_model_get_hash_count_for_tests (), ==, hashed + 2);
  g_assert_cmpint (second->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpstr (second->weights.md5, ==, first->weights.md5);

  /* The same damage with a new time is caught. */
  set_mtime (weights, mtime + 1);
  third = check_ok (NULL, NULL);
  g_assert_cmpuint (_discern_model_get_hash_count_for_tests (), ==, hashed + 3);
  g_assert_cmpint (third->weights.state, ==, DISCERN_MODEL_FILE_DAMAGED);
  g_assert_cmpstr (third->weights.md5, !=, first->weights.md5);
}

/* A file that verified once and was damaged since is not trusted. */
static void
test_check_corrupted_later (void)
{
  g_autofree char *weights = put_good_weights (PLACE_DATA);
  g_autoptr(DiscernModelFiles) before = NULL;
  g_autoptr(DiscernModelFiles) after = NULL;
  GStatBuf stat_buf;
  FILE *file;

  put_good_labels (PLACE_DATA);
  before = check_ok (NULL, NULL);
  g_assert_cmpint (before->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);

  /* Overwrite a byte in place, as a disk error or a stray write would,
   * and make sure the time moves even on coarse file systems. */
  g_assert_cmpint (g_stat (weights, &stat_buf), ==, 0);
  file = g_fopen (weights, "r+b");
  g_assert_nonnull (file);
  g_assert_cmpint (fseek (file, 100, SEEK_SET), ==, 0);
  g_assert_cmpint (fputc (good_weights[100] ^ 0xff, file), !=, EOF);
  g_assert_cmpint (fclose (file), ==, 0);
  set_mtime (weights, (gint64) stat_buf.st_mtime * G_USEC_PER_SEC + 5 * G_USEC_PER_SEC);

  after = check_ok (NULL, NULL);
  g_assert_cmpint (after->weights.state, ==, DISCERN_MODEL_FILE_DAMAGED);
  g_assert_cmpstr (after->weights.path, ==, weights);
  g_assert_cmpint (discern_model_files_get_needs (after), ==, DISCERN_MODEL_NEEDS_WEIGHTS);
}

/* A garbled cache file is a miss, then rewritten. */
static void
test_check_garbled_cache (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "discern", NULL);
  g_autofree char *cache = g_build_filename (dir, "verified.ini", NULL);
  g_autoptr(DiscernModelFiles) first = NULL;
  g_autoptr(DiscernModelFiles) second = NULL;
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  guint hashed;

  put_good_model (PLACE_KERAS);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (cache, "[\\x01 not a key file\n=\n", -1, &error);
  g_assert_no_error (error);

  hashed = _discern_model_get_hash_count_for_tests ();
  first = check_ok (NULL, NULL);
  g_assert_cmpint (first->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpuint (_discern_model_get_hash_count_for_tests (), ==, hashed + 2);

  g_key_file_load_from_file (keys, cache, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  second = check_ok (NULL, NULL);
  g_assert_cmpint (second->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpuint (_discern_model_get_hash_count_for_tests (), ==, hashed + 2);
}

static void
check_done_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_check_async (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(DiscernModelFiles) files = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  put_good_model (PLACE_DATA);
  discern_model_files_check_async (NULL, NULL, NULL, NULL, check_done_cb, &result);
  while (result == NULL) {
    g_main_context_iteration (NULL, TRUE);
  }
  files = discern_model_files_check_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (files->weights.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_assert_cmpint (files->labels.state, ==, DISCERN_MODEL_FILE_VERIFIED);
  g_clear_object (&result);

  /* Cancelled before it ran: an error, no half result. */
  g_cancellable_cancel (cancellable);
  discern_model_files_check_async (NULL, NULL, NULL, cancellable, check_done_cb, &result);
  while (result == NULL) {
    g_main_context_iteration (NULL, TRUE);
  }
  g_clear_pointer (&files, discern_model_files_free);
  files = discern_model_files_check_finish (result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (files);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *weights_md5 = NULL;
  g_autofree char *labels_md5 = NULL;
  int status;

  test_dirs_init ();
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("DISCERN_MODEL_DIR");

  for (gsize i = 0; i < WEIGHTS_SIZE; i++) {
    good_weights[i] = (guint8) (i * 7919 >> 3);
  }
  weights_md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, good_weights, WEIGHTS_SIZE);
  labels_md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, GOOD_LABELS, -1);
  _discern_model_set_expected_for_tests (DISCERN_MODEL_WEIGHTS, weights_md5, WEIGHTS_SIZE);
  _discern_model_set_expected_for_tests (DISCERN_MODEL_LABELS, labels_md5,
                                         strlen (GOOD_LABELS));

  for (gsize i = 0; i < G_N_ELEMENTS (precedence_cases); i++) {
    add_data_test (precedence_cases[i].path, &precedence_cases[i], test_precedence);
  }
  add_test ("/sources/model-files/nothing-found", test_nothing_found);
  add_test ("/sources/model-files/only-labels-missing", test_only_labels_missing);
  add_test ("/sources/model-files/explicit-paths", test_explicit_paths);
  add_test ("/sources/model-files/explicit-missing", test_explicit_missing);
  add_test ("/sources/model-files/directory-not-taken", test_directory_not_taken);

  for (gsize i = 0; i < G_N_ELEMENTS (check_cases); i++) {
    add_data_test (check_cases[i].path, &check_cases[i], test_check_precedence);
  }
  add_test ("/sources/model-files/check/missing", test_check_missing);
  add_test ("/sources/model-files/check/damaged", test_check_damaged);
  add_test ("/sources/model-files/check/damaged-passed-over", test_check_damaged_skipped);
  add_test ("/sources/model-files/check/wrong-size", test_check_wrong_size);
  add_test ("/sources/model-files/check/named-unverified", test_check_named_unverified);
  add_test ("/sources/model-files/check/named-missing", test_check_named_missing);
  add_test ("/sources/model-files/check/remembered", test_check_remembered);
  add_test ("/sources/model-files/check/corrupted-later", test_check_corrupted_later);
  add_test ("/sources/model-files/check/garbled-cache", test_check_garbled_cache);
  add_test ("/sources/model-files/check/async", test_check_async);

  status = g_test_run ();

  remove_tree (test_root);
  g_free (test_root);
  return status;
}
