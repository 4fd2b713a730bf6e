/* dn-labels.c: ImageNet class names and top-k decoding
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "dn-labels.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "dn-error.h"

struct _DnLabels {
  guint  count;
  char **wnids;  /* count entries, NULL-terminated */
  char **names;  /* count entries, NULL-terminated */
};

/* json-glib keeps only the last of two members with the same name, so the
 * members are watched as the parser adds them to notice a repeated index.
 * Nested objects are watched too; they are refused later in any case. */
typedef struct {
  JsonObject *object;
  GHashTable *names;
  char       *repeated;  /* the first name seen twice */
} MemberNames;

static void
member_names_clear (gpointer data)
{
  MemberNames *entry = data;

  g_hash_table_unref (entry->names);
  g_free (entry->repeated);
}

static MemberNames *
member_names_find (GArray     *seen,
                   JsonObject *object)
{
  for (guint i = 0; i < seen->len; i++) {
    MemberNames *entry = &g_array_index (seen, MemberNames, i);

    if (entry->object == object) {
      return entry;
    }
  }
  return NULL;
}

static void
object_member_cb (JsonParser *parser,
                  JsonObject *object,
                  const char *member_name,
                  gpointer    user_data)
{
  GArray *seen = user_data;
  MemberNames *entry = member_names_find (seen, object);

  if (entry == NULL) {
    MemberNames added = {
      object, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
      NULL
    };

    g_array_append_val (seen, added);
    entry = &g_array_index (seen, MemberNames, seen->len - 1);
  }
  if (!g_hash_table_add (entry->names, g_strdup (member_name)) &&
      entry->repeated == NULL) {
    entry->repeated = g_strdup (member_name);
  }
}

/* Only the plain decimal spelling Keras writes: "0", "17", not "017", "+1"
 * or " 1", so that two different keys never name the same class. */
static gboolean
parse_index (const char *key,
             guint      *index)
{
  guint64 value;

  if (key[0] == '0' && key[1] == '\0') {
    *index = 0;
    return TRUE;
  }
  if (key[0] < '1' || key[0] > '9' ||
      !g_ascii_string_to_unsigned (key, 10, 1, G_MAXUINT, &value, NULL)) {
    return FALSE;
  }
  *index = (guint) value;
  return TRUE;
}

static gboolean
read_entry (DnLabels   *labels,
            guint       index,
            const char *key,
            JsonNode   *node,
            GError    **error)
{
  JsonArray *pair;
  JsonNode *wnid;
  JsonNode *name;

  if (!JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) != 2) {
    g_set_error (error, DN_ERROR, DN_ERROR_FORMAT,
                 "Class %s is not a pair [WordNet id, name]", key);
    return FALSE;
  }

  pair = json_node_get_array (node);
  wnid = json_array_get_element (pair, 0);
  name = json_array_get_element (pair, 1);
  if (json_node_get_value_type (wnid) != G_TYPE_STRING ||
      json_node_get_value_type (name) != G_TYPE_STRING) {
    g_set_error (error, DN_ERROR, DN_ERROR_FORMAT,
                 "Class %s is not a pair of strings [WordNet id, name]", key);
    return FALSE;
  }

  labels->wnids[index] = g_strdup (json_node_get_string (wnid));
  labels->names[index] = g_strdup (json_node_get_string (name));
  return TRUE;
}

static DnLabels *
labels_from_root (JsonNode *root,
                  GArray   *seen,
                  GError  **error)
{
  g_autoptr(DnLabels) labels = NULL;
  g_autoptr(GList) members = NULL;
  MemberNames *names;
  JsonObject *object;
  guint count;

  if (root == NULL) {
    g_set_error_literal (error, DN_ERROR, DN_ERROR_FORMAT,
                         "The class index is empty");
    return NULL;
  }
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, DN_ERROR, DN_ERROR_FORMAT,
                         "The class index is not a JSON object of "
                         "\"index\": [WordNet id, name] entries");
    return NULL;
  }

  object = json_node_get_object (root);
  count = json_object_get_size (object);
  if (count == 0) {
    g_set_error_literal (error, DN_ERROR, DN_ERROR_FORMAT,
                         "The class index lists no classes");
    return NULL;
  }
  names = member_names_find (seen, object);
  if (names != NULL && names->repeated != NULL) {
    g_set_error (error, DN_ERROR, DN_ERROR_FORMAT,
                 "The class index lists class “%s” more than once",
                 names->repeated);
    return NULL;
  }

  labels = g_new0 (DnLabels, 1);
  labels->count = count;
  labels->wnids = g_new0 (char *, count + 1);
  labels->names = g_new0 (char *, count + 1);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next) {
    const char *key = l->data;
    guint index;

    if (!parse_index (key, &index)) {
      g_set_error (error, DN_ERROR, DN_ERROR_FORMAT,
                   "The class index has a key “%s” that is not a class "
                   "number", key);
      return NULL;
    }
    if (index < count &&
        !read_entry (labels, index, key,
                     json_object_get_member (object, key), error)) {
      return NULL;
    }
  }

  /* count different keys: if one is out of range, a number is missing. */
  for (guint i = 0; i < count; i++) {
    if (labels->wnids[i] == NULL) {
      g_set_error (error, DN_ERROR, DN_ERROR_FORMAT,
                   "The class index has no class %u: its %u classes must be "
                   "numbered 0 to %u", i, count, count - 1);
      return NULL;
    }
  }

  return g_steal_pointer (&labels);
}

DnLabels *
dn_labels_new_from_data (const char *data,
                         gssize      length,
                         GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GArray) seen = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = json_parser_new_immutable ();
  seen = g_array_new (FALSE, FALSE, sizeof (MemberNames));
  g_array_set_clear_func (seen, member_names_clear);
  g_signal_connect (parser, "object-member",
                    G_CALLBACK (object_member_cb), seen);

  if (!json_parser_load_from_data (parser, data != NULL ? data : "",
                                   length, &local_error)) {
    g_set_error (error, DN_ERROR, DN_ERROR_FORMAT,
                 "The class index is not valid JSON: %s",
                 local_error->message);
    return NULL;
  }

  return labels_from_root (json_parser_get_root (parser), seen, error);
}

DnLabels *
dn_labels_load (const char  *path,
                GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;
  DnLabels *labels;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &length, &local_error)) {
    g_set_error (error, DN_ERROR, DN_ERROR_IO,
                 "%s: The class index could not be read: %s",
                 display, local_error->message);
    return NULL;
  }

  labels = dn_labels_new_from_data (contents, length, error);
  if (labels == NULL) {
    g_prefix_error (error, "%s: ", display);
  }
  return labels;
}

void
dn_labels_free (DnLabels *labels)
{
  if (labels == NULL) {
    return;
  }
  g_strfreev (labels->wnids);
  g_strfreev (labels->names);
  g_free (labels);
}

guint
dn_labels_get_count (const DnLabels *labels)
{
  g_return_val_if_fail (labels != NULL, 0);

  return labels->count;
}

const char *
dn_labels_get_wnid (const DnLabels *labels,
                    guint           index)
{
  g_return_val_if_fail (labels != NULL, NULL);
  g_return_val_if_fail (index < labels->count, NULL);

  return labels->wnids[index];
}

const char *
dn_labels_get_name (const DnLabels *labels,
                    guint           index)
{
  g_return_val_if_fail (labels != NULL, NULL);
  g_return_val_if_fail (index < labels->count, NULL);

  return labels->names[index];
}

/* TRUE when class a ranks before class b: more probable, or as probable
 * and a lower index. NaN ranks after every number. */
static gboolean
ranks_before (float a_probability,
              int   a_index,
              float b_probability,
              int   b_index)
{
  if (isnan (b_probability)) {
    return !isnan (a_probability) || a_index < b_index;
  }
  if (isnan (a_probability)) {
    return FALSE;
  }
  if (a_probability != b_probability) {
    return a_probability > b_probability;
  }
  return a_index < b_index;
}

int
dn_top_k (DnPrediction *out,
          const float  *probabilities,
          int           classes,
          int           k)
{
  int kept = 0;

  g_return_val_if_fail (out != NULL || k == 0, 0);
  g_return_val_if_fail (probabilities != NULL || classes == 0, 0);
  g_return_val_if_fail (classes >= 0 && k >= 0, 0);

  k = MIN (k, classes);

  /* Insertion into a sorted list of the best k so far: k is small. */
  for (int i = 0; i < classes; i++) {
    float p = probabilities[i];
    int slot;

    if (kept == k &&
        (k == 0 || !ranks_before (p, i, out[k - 1].probability,
                                  out[k - 1].index))) {
      continue;
    }
    slot = kept < k ? kept++ : k - 1;
    while (slot > 0 &&
           ranks_before (p, i, out[slot - 1].probability,
                         out[slot - 1].index)) {
      out[slot] = out[slot - 1];
      slot--;
    }
    out[slot] = (DnPrediction) { i, p };
  }

  return kept;
}
