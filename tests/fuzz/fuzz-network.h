/* fuzz-network.h: what the weight-file harnesses check of a loaded file
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <math.h>

#include "dn-error.h"
#include "dn-network.h"

/* Networks larger than this are loaded but not run: the fuzzer should
 * spend its time on the reader. */
#define MAX_RUN_INPUT_FLOATS (64 * 64 * 3)
#define MAX_RUN_PARAMETERS   (1024 * 1024)

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

/* The largest |value| among the network's weights. */
static float
largest_weight (const DnNetwork *network)
{
  float largest = 0;

  for (guint i = 0; i < dn_network_get_n_layers (network); i++) {
    const DnLayer *layer = dn_network_get_layer (network, i);
    gsize n_kernel = 0;

    if (layer->kind == DN_LAYER_CONV3X3) {
      n_kernel = (gsize) 9 * layer->in_channels * layer->out_channels;
    } else if (layer->kind == DN_LAYER_DENSE) {
      n_kernel = (gsize) layer->in_channels * layer->out_channels;
    } else {
      continue;
    }
    for (gsize v = 0; v < n_kernel; v++) {
      largest = MAX (largest, fabsf (layer->kernel[v]));
    }
    for (int v = 0; v < layer->out_channels; v++) {
      largest = MAX (largest, fabsf (layer->bias[v]));
    }
  }
  return largest;
}

/* Weights up to this size cannot overflow float32 in these small networks
 * fed with pixel-sized inputs. Larger finite ones are accepted by the
 * loader, and can make the output NaN: see RUN_INPUT and the report of
 * the fuzzing work. */
#define SANE_WEIGHT 1e6f

/* Preprocessed pixels are tens. */
#define RUN_INPUT 50.0f

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
  gboolean finite = TRUE;
  double total = 0;

  if (inputs > MAX_RUN_INPUT_FLOATS ||
      dn_network_get_n_parameters (network) > MAX_RUN_PARAMETERS) {
    return;
  }
  input = g_new (float, inputs);
  for (gsize i = 0; i < inputs; i++) {
    input[i] = RUN_INPUT;
  }
  output = g_new0 (float, outputs);
  dn_network_forward (network, output, input, 1, NULL, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < outputs; i++) {
    finite = finite && isfinite (output[i]);
    total += output[i];
  }
  if (largest_weight (network) > SANE_WEIGHT) {
    return;
  }
  g_assert_true (finite);
  if (last->softmax) {
    g_assert_cmpfloat (fabs (total - 1.0), <, 1e-3);
  }
}

/* Loads `path`: either a network whose shapes agree from layer to layer
 * and which, when small, runs to a finite output (probabilities when it
 * ends in a softmax), or a DN_ERROR. */
static void
check_weights_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DnNetwork) network = NULL;

  network = dn_network_load (path, &error);
  if (network == NULL) {
    g_assert_nonnull (error);
    g_assert_true (error->domain == DN_ERROR);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
    return;
  }

  g_assert_no_error (error);
  check_shapes (network);
  run_once (network);
}
