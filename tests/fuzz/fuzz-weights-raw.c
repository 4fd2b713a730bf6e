/* fuzz-weights-raw.c: libFuzzer harness for weight files as raw bytes:
 * written to a file, then read as Keras HDF5 weights
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any file must give either a network whose shapes agree from layer to
 * layer, or a DN_ERROR naming the file. A small network that loads is run
 * once on a zero input: its output must be finite, and probabilities when
 * the last layer is a softmax.
 *
 * Mutated bytes mostly exercise libhdf5's own parser, which is not made
 * for hostile files: within a few hundred runs it finds HDF5 1.10 looping
 * for ever in its global heap (a free-space object of size 0 among a
 * variable-length string attribute's data). So CI runs fuzz-weights, which
 * writes well-formed files with hostile contents, and this one only when
 * asked (see tests/fuzz/meson.build).
 */

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "fuzz-network.h"

int LLVMFuzzerInitialize   (int           *argc,
                            char        ***argv);
int LLVMFuzzerTestOneInput (const guint8  *data,
                            gsize          size);

static char *dir;
static char *path;

static void
remove_files (void)
{
  g_remove (path);
  g_rmdir (dir);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_init_logging ();
  dir = g_dir_make_tmp ("discern-fuzz-weights-raw-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "weights.h5", NULL);
  atexit (remove_files);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_assert_true (g_file_set_contents (path, (const char *) data, size, NULL));
  check_weights_file (path);
  return 0;
}
