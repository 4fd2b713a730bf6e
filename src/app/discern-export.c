/* discern-export.c: the results of all items as CSV or JSON
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both formats carry the same facts for every classified item and each of
 * its top predictions: file, WordNet id, class, probability and rank.
 * Class names are Keras' own (with underscores), so that the files match
 * what the notebook and discern-classify print.
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "discern-export.h"

#include "discern-item.h"

static void
append_csv_field (GString    *out,
                  const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL) {
    g_string_append (out, field);
    return;
  }

  g_string_append_c (out, '"');
  for (const char *c = field; *c != '\0'; c++) {
    if (*c == '"') {
      g_string_append_c (out, '"');
    }
    g_string_append_c (out, *c);
  }
  g_string_append_c (out, '"');
}

/* Probabilities in C notation whatever the locale: "0.631245". */
static char *
format_probability (float probability)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.6f", probability));
}

char *
discern_export_csv (GListModel *items,
                    guint       n_predictions)
{
  GString *out = g_string_new ("file,wnid,class,probability,rank\r\n");
  guint n_items;

  g_return_val_if_fail (G_IS_LIST_MODEL (items), NULL);

  n_items = g_list_model_get_n_items (items);
  for (guint i = 0; i < n_items; i++) {
    g_autoptr(DiscernItem) item = g_list_model_get_item (items, i);
    DiscernResult *result = discern_item_get_result (item);
    guint n;

    if (result == NULL) {
      continue;
    }

    n = MIN (n_predictions, discern_result_get_n_top (result));
    for (guint rank = 0; rank < n; rank++) {
      guint index = discern_result_get_top_class (result, rank);
      g_autofree char *probability =
        format_probability (discern_result_get_probability (result, index));

      append_csv_field (out, discern_item_get_location (item));
      g_string_append_c (out, ',');
      append_csv_field (out, discern_result_get_wnid (result, index));
      g_string_append_c (out, ',');
      append_csv_field (out, discern_result_get_name (result, index));
      g_string_append_printf (out, ",%s,%u\r\n", probability, rank + 1);
    }
  }

  return g_string_free (out, FALSE);
}

char *
discern_export_json (GListModel *items,
                     guint       n_predictions)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  guint n_items;

  g_return_val_if_fail (G_IS_LIST_MODEL (items), NULL);

  json_builder_begin_array (builder);
  n_items = g_list_model_get_n_items (items);
  for (guint i = 0; i < n_items; i++) {
    g_autoptr(DiscernItem) item = g_list_model_get_item (items, i);
    DiscernResult *result = discern_item_get_result (item);
    guint n;

    if (result == NULL) {
      continue;
    }

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "file");
    json_builder_add_string_value (builder, discern_item_get_location (item));
    json_builder_set_member_name (builder, "predictions");
    json_builder_begin_array (builder);

    n = MIN (n_predictions, discern_result_get_n_top (result));
    for (guint rank = 0; rank < n; rank++) {
      guint index = discern_result_get_top_class (result, rank);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rank");
      json_builder_add_int_value (builder, rank + 1);
      json_builder_set_member_name (builder, "wnid");
      json_builder_add_string_value (builder, discern_result_get_wnid (result, index));
      json_builder_set_member_name (builder, "class");
      json_builder_add_string_value (builder, discern_result_get_name (result, index));
      json_builder_set_member_name (builder, "probability");
      json_builder_add_double_value (builder, discern_result_get_probability (result, index));
      json_builder_end_object (builder);
    }

    json_builder_end_array (builder);
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);

  return json_generator_to_data (generator, NULL);
}
