/* fuzz-url.c: libFuzzer harness for pasted and dropped links: checking
 * them, showing them in messages and decoding data: URLs
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here touches the network: a link that would be fetched is only
 * checked. Whatever the text, messages and shown URLs must be UTF-8, and a
 * decoded data: URL must respect its size limit.
 */

#include <string.h>

#include "discern-data-url.h"
#include "discern-fetch.h"
#include "discern-source-error.h"
#include "fuzz-common.h"

/* Small, so that the limit is reached by inputs the fuzzer makes. */
#define MAX_BYTES 1024

int LLVMFuzzerInitialize   (int           *argc,
                            char        ***argv);
int LLVMFuzzerTestOneInput (const guint8  *data,
                            gsize          size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_logging ();
  return 0;
}

static void
check_error (const GError *error,
             int           code)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == DISCERN_SOURCE_ERROR);
  if (code >= 0) {
    g_assert_cmpint (error->code, ==, code);
  }
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *shown = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean opened;

  shown = discern_fetch_display_url (text);
  g_assert_true (g_utf8_validate (shown, -1, NULL));

  opened = discern_fetch_check_url (text, &error);
  if (!opened) {
    check_error (error, DISCERN_SOURCE_ERROR_BAD_URL);
    g_assert_false (discern_fetch_is_url (text));
    return 0;
  }
  g_assert_no_error (error);
  if (!discern_data_url_is_data_url (text)) {
    g_assert_true (discern_fetch_is_url (text));
    return 0;
  }

  bytes = discern_data_url_decode (text, MAX_BYTES, &error);
  if (bytes == NULL) {
    check_error (error, -1);
    return 0;
  }
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);
  g_assert_cmpuint (g_bytes_get_size (bytes), <=, MAX_BYTES);
  g_assert_cmpuint (g_bytes_get_size (bytes), <=, strlen (text));
  return 0;
}
