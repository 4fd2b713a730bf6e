/* test-labels.c: the class index parser and top-k
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "dn-error.h"
#include "dn-labels.h"

static void
test_valid (void)
{
  /* Keys in any order; names repeat as "crane" does in ImageNet. */
  const char *json =
    "{\"2\": [\"n02012849\", \"crane\"],\n"
    " \"0\": [\"n01440764\", \"tench\"],\n"
    " \"1\": [\"n03126707\", \"crane\"],\n"
    " \"3\": [\"n03710637\", \"maillot\"]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(DnLabels) labels = NULL;

  labels = dn_labels_new_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dn_labels_get_count (labels), ==, 4);
  g_assert_cmpstr (dn_labels_get_wnid (labels, 0), ==, "n01440764");
  g_assert_cmpstr (dn_labels_get_name (labels, 0), ==, "tench");
  g_assert_cmpstr (dn_labels_get_wnid (labels, 1), ==, "n03126707");
  g_assert_cmpstr (dn_labels_get_name (labels, 1), ==, "crane");
  g_assert_cmpstr (dn_labels_get_wnid (labels, 2), ==, "n02012849");
  g_assert_cmpstr (dn_labels_get_name (labels, 2), ==, "crane");
  g_assert_cmpstr (dn_labels_get_name (labels, 3), ==, "maillot");
}

/* A generated file as large as Keras' own, read from disk. */
static void
test_load_file (void)
{
  g_autoptr(GString) json = g_string_new ("{");
  g_autoptr(GError) error = NULL;
  g_autoptr(DnLabels) labels = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  for (int i = 999; i >= 0; i--) {
    g_string_append_printf (json, "%s\"%d\": [\"n%08d\", \"class_%d\"]",
                            i == 999 ? "" : ", ", i, i, i);
  }
  g_string_append (json, "}");

  dir = g_dir_make_tmp ("test-labels-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "imagenet_class_index.json", NULL);
  g_file_set_contents (path, json->str, json->len, &error);
  g_assert_no_error (error);

  labels = dn_labels_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dn_labels_get_count (labels), ==, 1000);
  g_assert_cmpstr (dn_labels_get_wnid (labels, 527), ==, "n00000527");
  g_assert_cmpstr (dn_labels_get_name (labels, 999), ==, "class_999");

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnLabels) labels = NULL;

  labels = dn_labels_load ("/nonexistent/imagenet_class_index.json", &error);
  g_assert_null (labels);
  g_assert_error (error, DN_ERROR, DN_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message,
                                   "/nonexistent/imagenet_class_index.json: "));
}

typedef struct {
  const char *name;
  const char *json;
  const char *message_part;  /* what the error must mention */
} BadCase;

static const BadCase bad_cases[] = {
  { "empty", "", "is empty" },
  { "blank", " \n ", "is empty" },
  { "not-json", "tench, goldfish", "not valid JSON" },
  { "truncated", "{\"0\": [\"n01440764\", \"tench\"", "not valid JSON" },
  { "array", "[[\"n01440764\", \"tench\"]]", "not a JSON object" },
  { "no-classes", "{}", "no classes" },
  { "missing-index",
    "{\"0\": [\"a\", \"x\"], \"1\": [\"b\", \"y\"], \"3\": [\"c\", \"z\"]}",
    "no class 2" },
  { "repeated-index",
    "{\"0\": [\"a\", \"x\"], \"1\": [\"b\", \"y\"], \"1\": [\"c\", \"z\"]}",
    "“1” more than once" },
  { "leading-zero", "{\"0\": [\"a\", \"x\"], \"01\": [\"b\", \"y\"]}",
    "“01”" },
  { "negative", "{\"0\": [\"a\", \"x\"], \"-1\": [\"b\", \"y\"]}", "“-1”" },
  { "not-a-number", "{\"0\": [\"a\", \"x\"], \"one\": [\"b\", \"y\"]}",
    "“one”" },
  { "value-string", "{\"0\": \"tench\"}", "Class 0 is not a pair" },
  { "value-short", "{\"0\": [\"n01440764\"]}", "Class 0 is not a pair" },
  { "value-long", "{\"0\": [\"n01440764\", \"tench\", \"fish\"]}",
    "Class 0 is not a pair" },
  { "value-number", "{\"0\": [\"n01440764\", 7]}", "pair of strings" },
  { "value-null", "{\"0\": [null, \"tench\"]}", "pair of strings" },
  { "value-nested", "{\"0\": [[\"n01440764\"], \"tench\"]}",
    "pair of strings" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *bad = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DnLabels) labels = NULL;

  labels = dn_labels_new_from_data (bad->json, -1, &error);
  g_assert_null (labels);
  g_assert_error (error, DN_ERROR, DN_ERROR_FORMAT);
  g_test_message ("message: %s", error->message);
  g_assert_nonnull (strstr (error->message, bad->message_part));
}

/* A broken file read from disk: the message starts with its name. */
static void
test_bad_file_named (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnLabels) labels = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  dir = g_dir_make_tmp ("test-labels-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "classes.json", NULL);
  g_file_set_contents (path, "<html>Not found</html>", -1, &error);
  g_assert_no_error (error);

  labels = dn_labels_load (path, &error);
  g_assert_null (labels);
  g_assert_error (error, DN_ERROR, DN_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, path));

  g_unlink (path);
  g_rmdir (dir);
}

static const struct {
  const char *name;
  float probabilities[6];
  int classes;
  int k;
  int expected[6];  /* indices, best first */
} top_k_cases[] = {
  { "ordered", { 0.1f, 0.5f, 0.05f, 0.3f, 0.05f }, 5, 3, { 1, 3, 0 } },
  { "ties-by-index", { 0.2f, 0.3f, 0.2f, 0.3f, 0.0f }, 5, 4, { 1, 3, 0, 2 } },
  { "all-equal", { 0.25f, 0.25f, 0.25f, 0.25f }, 4, 4, { 0, 1, 2, 3 } },
  { "tie-at-cut", { 0.1f, 0.4f, 0.1f, 0.4f, 0.0f }, 5, 3, { 1, 3, 0 } },
  { "k-over-classes", { 0.7f, 0.3f }, 2, 5, { 0, 1 } },
  { "k-zero", { 0.7f, 0.3f }, 2, 0, { 0 } },
  { "last-is-best", { 0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f }, 6, 2, { 5, 4 } },
  { "nan-last", { NAN, 0.1f, 0.2f }, 3, 3, { 2, 1, 0 } },
};

static void
test_top_k (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (top_k_cases); i++) {
    DnPrediction out[6] = { { 0 } };
    int expected_count = MIN (top_k_cases[i].k, top_k_cases[i].classes);
    int n;

    g_test_message ("case %s", top_k_cases[i].name);
    n = dn_top_k (out, top_k_cases[i].probabilities,
                  top_k_cases[i].classes, top_k_cases[i].k);
    g_assert_cmpint (n, ==, expected_count);
    for (int r = 0; r < n; r++) {
      int index = top_k_cases[i].expected[r];

      g_assert_cmpint (out[r].index, ==, index);
      if (!isnan (top_k_cases[i].probabilities[index])) {
        g_assert_cmpfloat (out[r].probability, ==,
                           top_k_cases[i].probabilities[index]);
      }
    }
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/labels/valid", test_valid);
  g_test_add_func ("/engine/labels/load-file", test_load_file);
  g_test_add_func ("/engine/labels/missing-file", test_missing_file);
  g_test_add_func ("/engine/labels/bad-file-named", test_bad_file_named);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/engine/labels/bad/%s",
                                             bad_cases[i].name);

    g_test_add_data_func (path, &bad_cases[i], test_bad);
  }
  g_test_add_func ("/engine/labels/top-k", test_top_k);

  return g_test_run ();
}
