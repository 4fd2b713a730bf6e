/* test-model-files.c: finding the weights and the class index
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <string.h>

#include "discern-model-files.h"
#include "discern-source-error.h"

/* Each test runs with its own empty HOME and XDG folders
 * (G_TEST_OPTION_ISOLATE_DIRS), so the places below start out empty. */

typedef enum {
  PLACE_ENV,
  PLACE_DATA,
  PLACE_KERAS,
  N_PLACES
} Place;

static char *
place_dir (Place place)
{
  switch (place) {
  case PLACE_ENV:
    return g_build_filename (g_get_tmp_dir (), "env-models", NULL);
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

  /* A folder with the weights' name must not count as the weights. */
  g_assert_cmpint (g_mkdir_with_parents (as_dir, 0700), ==, 0);
  g_free (put_file (PLACE_DATA, DISCERN_LABELS_FILE_NAME));
  put_both (PLACE_KERAS);
  assert_found_in (PLACE_KERAS);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("DISCERN_MODEL_DIR");

  for (gsize i = 0; i < G_N_ELEMENTS (precedence_cases); i++) {
    g_test_add_data_func (precedence_cases[i].path, &precedence_cases[i], test_precedence);
  }
  g_test_add_func ("/sources/model-files/nothing-found", test_nothing_found);
  g_test_add_func ("/sources/model-files/only-labels-missing", test_only_labels_missing);
  g_test_add_func ("/sources/model-files/explicit-paths", test_explicit_paths);
  g_test_add_func ("/sources/model-files/explicit-missing", test_explicit_missing);
  g_test_add_func ("/sources/model-files/directory-not-taken", test_directory_not_taken);

  return g_test_run ();
}
