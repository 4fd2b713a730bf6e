/* fuzz-weights.c: libFuzzer harness for weight files: bytes written to a
 * file, then read as Keras HDF5 weights
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any file must give either a network whose shapes agree from layer to
 * layer, or a DN_ERROR naming the file. A small network that loads is run
 * once on a zero input: its output must be finite, and probabilities when
 * the last layer is a softmax.
 */

#include <glib/gstdio.h>
#include <math.h>

#include "dn-error.h"
#include "dn-network.h"
#include "fuzz-common.h"

/* Networks larger than this are loaded but not run: the fuzzer should
 * spend its time on the reader. */
#define MAX_RUN_INPUT_FLOATS (64 * 64 * 3)
#define MAX_RUN_PARAMETERS   (1024 * 1024)

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
  dir = g_dir_make_tmp ("discern-fuzz-weights-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "weights.h5", NULL);
  atexit (remove_files);
  return 0;
}

static void
check_shapes (const DnNetwork *network)
{
  guint n_layers = dn_network_get_n_layers (network);
  int height = dn_network_get_input_height (network);
  int width = dn_network_get_input_width (network);
  int channels = dn_network_get_input_channels (network);

  g_assert_cmpuint (n_layers, >, 0);
  for (guint i = 0; i < n_layers; i++) {
    const DnLayer *layer = dn_network_get_layer (network, i);

    g_assert_cmpint (layer->in_height, ==, height);
    g_assert_cmpint (layer->in_width, ==, width);
    g_assert_cmpint (layer->in_channels, ==, channels);
    g_assert_cmpint (layer->out_height, >, 0);
    g_assert_cmpint (layer->out_width, >, 0);
    g_assert_cmpint (layer->out_channels, >, 0);
    height = layer->out_height;
    width = layer->out_width;
    channels = layer->out_channels;
  }
}

static void
run_once (DnNetwork *network)
{
  gsize inputs = (gsize) dn_network_get_input_height (network) *
                 dn_network_get_input_width (network) *
                 dn_network_get_input_channels (network);
  guint n_layers = dn_network_get_n_layers (network);
  const DnLayer *last = dn_network_get_layer (network, n_layers - 1);
  gsize outputs = (gsize) last->out_height * last->out_width *
                  last->out_channels;
  g_autofree float *input = NULL;
  g_autofree float *output = NULL;
  g_autoptr(GError) error = NULL;
  double total = 0;

  if (inputs > MAX_RUN_INPUT_FLOATS ||
      dn_network_get_n_parameters (network) > MAX_RUN_PARAMETERS) {
    return;
  }
  input = g_new0 (float, inputs);
  output = g_new0 (float, outputs);
  dn_network_forward (network, output, input, 1, NULL, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < outputs; i++) {
    g_assert_true (isfinite (output[i]));
    total += output[i];
  }
  if (last->softmax) {
    g_assert_cmpfloat (fabs (total - 1.0), <, 1e-3);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnNetwork) network = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) data, size, NULL));
  network = dn_network_load (path, &error);
  if (network == NULL) {
    g_assert_nonnull (error);
    g_assert_true (error->domain == DN_ERROR);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
    return 0;
  }

  g_assert_no_error (error);
  check_shapes (network);
  run_once (network);
  return 0;
}
