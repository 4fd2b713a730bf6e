/* fuzz-image.c: libFuzzer harness for untrusted picture bytes, through
 * decoding, resizing and preprocessing, as a dropped file or a download
 * takes them
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any bytes must give either an upright RGB picture within the limits, or
 * a DISCERN_SOURCE_ERROR with a message; the network input made from the
 * picture must be finite and within the range preprocessing can produce.
 */

#include <math.h>

#include "discern-image.h"
#include "discern-source-error.h"
#include "dn-preprocess.h"
#include "fuzz-common.h"

#define SIDE 224

/* Caffe preprocessing of 8-bit values: 0 - 123.68 to 255 - 103.939. */
#define INPUT_MIN (-DN_MEAN_R)
#define INPUT_MAX (255.0f - DN_MEAN_B)

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
check_network_input (const DiscernImage *image,
                     DnResizeMode        mode)
{
  static guint8 resized[SIDE * SIDE * 3];
  static float input[SIDE * SIDE * 3];

  dn_resize_rgb8 (resized, image->pixels, SIDE, SIDE, image->width,
                  image->height, image->width * 3, mode);
  dn_preprocess_caffe (input, resized, SIDE, SIDE);
  for (gsize i = 0; i < G_N_ELEMENTS (input); i++) {
    g_assert_true (isfinite (input[i]));
    g_assert_true (input[i] >= INPUT_MIN && input[i] <= INPUT_MAX);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  image = discern_image_new_from_bytes (bytes, &error);
  if (image == NULL) {
    g_assert_nonnull (error);
    g_assert_true (error->domain == DISCERN_SOURCE_ERROR);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
    g_assert_cmpint (error->message[0], !=, '\0');
    return 0;
  }

  g_assert_null (error);
  g_assert_cmpint (image->width, >, 0);
  g_assert_cmpint (image->height, >, 0);
  g_assert_cmpuint ((guint64) image->width * image->height, <=,
                    DISCERN_IMAGE_MAX_PIXELS);
  check_network_input (image, DN_RESIZE_STRETCH);
  check_network_input (image, DN_RESIZE_CENTER_CROP);
  return 0;
}
