/* discern-model-files.c: where the VGG16 weights and class index are
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-model-files.h"

#include <gio/gio.h>

#include "discern-source-error.h"

GPtrArray *
discern_model_files_search_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  const char *from_env = g_getenv ("DISCERN_MODEL_DIR");

  if (from_env != NULL && from_env[0] != '\0') {
    g_ptr_array_add (dirs, g_strdup (from_env));
  }
  g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (), "discern", "models", NULL));
  g_ptr_array_add (dirs, g_build_filename (g_get_home_dir (), ".keras", "models", NULL));

  return dirs;
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

static void
set_missing_error (GError     **error,
                   gboolean     need_weights,
                   gboolean     need_labels,
                   GPtrArray   *dirs)
{
  g_autoptr(GString) message = g_string_new ("The VGG16 model was not found.\n");

  g_string_append (message, "Discern needs:\n");
  if (need_weights) {
    g_string_append_printf (message, "  %s (528 MiB), from %s\n",
                            DISCERN_WEIGHTS_FILE_NAME, DISCERN_WEIGHTS_URL);
  }
  if (need_labels) {
    g_string_append_printf (message, "  %s (35 KiB), from %s\n",
                            DISCERN_LABELS_FILE_NAME, DISCERN_LABELS_URL);
  }
  g_string_append (message, "It looked in:\n");
  for (guint i = 0; i < dirs->len; i++) {
    g_string_append_printf (message, "  %s\n", (const char *) dirs->pdata[i]);
  }
  g_string_append (message,
                   "Put the files in one of these folders, or name them with "
                   "--weights and --labels.");

  g_set_error_literal (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_MODEL_MISSING,
                       message->str);
}

gboolean
discern_model_files_find (const char  *weights_path,
                          const char  *labels_path,
                          char       **weights_out,
                          char       **labels_out,
                          GError     **error)
{
  g_autoptr(GPtrArray) dirs = discern_model_files_search_dirs ();
  g_autofree char *weights = NULL;
  g_autofree char *labels = NULL;

  g_return_val_if_fail (weights_out != NULL && labels_out != NULL, FALSE);

  weights = find_one (weights_path, DISCERN_WEIGHTS_FILE_NAME, dirs, error);
  if (weights == NULL && weights_path != NULL) {
    return FALSE;
  }
  labels = find_one (labels_path, DISCERN_LABELS_FILE_NAME, dirs, error);
  if (labels == NULL && labels_path != NULL) {
    return FALSE;
  }

  if (weights == NULL || labels == NULL) {
    set_missing_error (error, weights == NULL, labels == NULL, dirs);
    return FALSE;
  }

  *weights_out = g_steal_pointer (&weights);
  *labels_out = g_steal_pointer (&labels);
  return TRUE;
}
