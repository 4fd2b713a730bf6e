/* make-random-vgg16.c: writes a full-size VGG16 weight file with random weights
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: make-random-vgg16 OUT.h5 [SEED]
 *
 * The file has the layout of Keras' vgg16_weights_tf_dim_ordering_tf_kernels.h5
 * (553 MB), so the CLI and the application can be tried without the real
 * weights. The same seed always gives the same file contents.
 */

#include "h5-writer.h"

#include <stdio.h>

#define DEFAULT_SEED 1

static gboolean
parse_seed (const char *text,
            guint32    *seed)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL)) {
    return FALSE;
  }
  *seed = (guint32) value;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  guint32 seed = DEFAULT_SEED;

  if (argc < 2 || argc > 3 || (argc == 3 && !parse_seed (argv[2], &seed))) {
    fprintf (stderr, "Usage: %s OUT.h5 [SEED]\n"
                     "Writes a VGG16 weight file in Keras' layout with random weights.\n"
                     "SEED is a number from 0 to %u (default %d).\n",
             argv[0], G_MAXUINT32, DEFAULT_SEED);
    return 2;
  }
  if (!h5w_write_vgg16_random (argv[1], seed, &error)) {
    fprintf (stderr, "%s: %s\n", argv[0], error->message);
    return 1;
  }
  return 0;
}
