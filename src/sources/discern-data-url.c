/* discern-data-url.c: the bytes inside a data: URL
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-data-url.h"

#include <string.h>

#include "discern-source-error.h"

#define SCHEME "data:"
#define SCHEME_LENGTH 5

/* The longest media type part shown in messages; past it only "data:…". */
#define DESCRIBE_MAX_HEADER 64

gboolean
discern_data_url_is_data_url (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return g_ascii_strncasecmp (text, SCHEME, SCHEME_LENGTH) == 0;
}

static gboolean
header_says_base64 (const char *header,
                    gsize       length)
{
  static const char marker[] = ";base64";
  gsize marker_length = sizeof marker - 1;

  return length >= marker_length &&
         g_ascii_strncasecmp (header + length - marker_length, marker,
                              marker_length) == 0;
}

/* Undoes %XX escapes; any other byte stands for itself. */
static gboolean
percent_decode (const char  *data,
                gsize        length,
                GByteArray  *out,
                GError     **error)
{
  for (gsize i = 0; i < length; i++) {
    guint8 byte = data[i];

    if (byte == '%') {
      int high = i + 2 < length ? g_ascii_xdigit_value (data[i + 1]) : -1;
      int low = high >= 0 ? g_ascii_xdigit_value (data[i + 2]) : -1;

      if (low < 0) {
        g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                             DISCERN_SOURCE_ERROR_BAD_URL,
                             "This data: link is malformed (a “%” not "
                             "followed by two hexadecimal digits)");
        return FALSE;
      }
      byte = high << 4 | low;
      i += 2;
    }
    g_byte_array_append (out, &byte, 1);
  }
  return TRUE;
}

/* The 6-bit value of a base64 character, both alphabets; -1 for others. */
static int
base64_value (guint8 c)
{
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+' || c == '-') {
    return 62;
  }
  if (c == '/' || c == '_') {
    return 63;
  }
  return -1;
}

static void
set_bad_base64 (GError **error)
{
  g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                       DISCERN_SOURCE_ERROR_BAD_URL,
                       "This data: link is malformed (its base64 data is "
                       "damaged)");
}

/* Decodes base64 in place: the output never outruns the input. Padding is
 * optional, but where it is present it must complete the last group. */
static gboolean
base64_decode_in_place (GByteArray  *buffer,
                        GError     **error)
{
  guint32 bits = 0;
  guint n_bits = 0;
  guint symbols = 0;
  guint padding = 0;
  gsize out = 0;

  for (gsize i = 0; i < buffer->len; i++) {
    guint8 c = buffer->data[i];
    int value;

    if (g_ascii_isspace (c)) {
      continue;
    }
    if (c == '=') {
      padding++;
      continue;
    }
    value = base64_value (c);
    if (value < 0 || padding > 0) {
      set_bad_base64 (error);
      return FALSE;
    }
    symbols++;
    bits = (bits << 6) | value;
    n_bits += 6;
    if (n_bits >= 8) {
      n_bits -= 8;
      buffer->data[out++] = bits >> n_bits;
      bits &= (1u << n_bits) - 1;
    }
  }

  /* One symbol left over holds no whole byte; padding only fills the last
   * group up to four symbols. */
  if (symbols % 4 == 1 || padding > 2 ||
      (padding > 0 && (symbols + padding) % 4 != 0)) {
    set_bad_base64 (error);
    return FALSE;
  }
  g_byte_array_set_size (buffer, out);
  return TRUE;
}

static void
set_too_large (GError **error,
               gsize    max_bytes)
{
  g_autofree char *limit = g_format_size (max_bytes);

  g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
               "This data: link holds too much data (more than %s)", limit);
}

GBytes *
discern_data_url_decode (const char  *url,
                         gsize        max_bytes,
                         GError     **error)
{
  g_autoptr(GByteArray) buffer = NULL;
  const char *header;
  const char *comma;
  const char *data;
  gsize length;
  gboolean base64;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!discern_data_url_is_data_url (url)) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_BAD_URL,
                         "This is not a data: link");
    return NULL;
  }
  header = url + SCHEME_LENGTH;
  comma = strchr (header, ',');
  if (comma == NULL) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_BAD_URL,
                         "This data: link is malformed (it has no comma "
                         "before its data)");
    return NULL;
  }
  base64 = header_says_base64 (header, comma - header);
  data = comma + 1;
  length = strlen (data);

  /* Every decoded byte takes at least four characters of the worst
   * encoding (base64 with each character escaped as %XX takes 12 for 3),
   * so this refuses only what must be too large. */
  if (length / 4 > max_bytes) {
    set_too_large (error, max_bytes);
    return NULL;
  }

  buffer = g_byte_array_sized_new (length);
  if (!percent_decode (data, length, buffer, error) ||
      (base64 && !base64_decode_in_place (buffer, error))) {
    return NULL;
  }
  if (buffer->len > max_bytes) {
    set_too_large (error, max_bytes);
    return NULL;
  }
  if (buffer->len == 0) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_NOT_IMAGE,
                         "This data: link holds no data");
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

char *
discern_data_url_describe (const char *url)
{
  const char *header;
  const char *end;

  g_return_val_if_fail (url != NULL, NULL);

  header = url + (discern_data_url_is_data_url (url) ? SCHEME_LENGTH : 0);
  for (end = header; *end != '\0' && *end != ','; end++) {
    if (end - header >= DESCRIBE_MAX_HEADER || !g_ascii_isprint (*end)) {
      return g_strdup ("data:…");
    }
  }
  return g_strdup_printf ("data:%.*s,…", (int) (end - header), header);
}
