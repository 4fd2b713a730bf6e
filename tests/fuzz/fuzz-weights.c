/* fuzz-weights.c: libFuzzer harness for the weight reader's checks: the
 * input is a recipe for a well-formed Keras HDF5 file with hostile contents
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recipe picks the layers (kind, units, name), the input size, the
 * file layout (naming, storage, data type, string kind, user block, split
 * lists), then spoils it: a NaN, an infinity or a huge value somewhere, a
 * tensor of another shape, a deleted attribute, group or dataset. The file
 * is written with h5-writer and loaded; the loader must refuse it with a
 * DN_ERROR or give a network that agrees with itself and runs (see
 * fuzz-network.h). Bytes of the input decide everything, so a crash found
 * here replays exactly.
 */

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "fuzz-network.h"
#include "h5-writer.h"

#define MAX_LAYERS 8
#define MAX_UNITS  8
#define MAX_SIDE   16

int LLVMFuzzerInitialize   (int           *argc,
                            char        ***argv);
int LLVMFuzzerTestOneInput (const guint8  *data,
                            gsize          size);

static char *dir;
static char *path;

/* Names as Keras writes them, and some it would not. */
static const char *const names[] = {
  "block1_conv1", "block1_pool", "flatten", "fc1", "predictions",
  "input_1", "dense", "conv", "pool", "Flatten", "a b", "caf\xc3\xa9",
  "x\xff", "fc1",
};

/* Reads the recipe a byte at a time; past its end every choice is 0. */
typedef struct {
  const guint8 *data;
  gsize         size;
  gsize         pos;
} Recipe;

static guint
take (Recipe *recipe,
      guint   n)
{
  if (recipe->pos >= recipe->size) {
    return 0;
  }
  return recipe->data[recipe->pos++] % n;
}

static void
remove_files (void)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  g_remove (path);
  g_remove (part);
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

static H5wModel *
make_model (Recipe *recipe)
{
  H5wLayerSpec specs[MAX_LAYERS];
  guint n_layers = 1 + take (recipe, MAX_LAYERS);
  int side = 1 + take (recipe, MAX_SIDE);

  for (guint i = 0; i < n_layers; i++) {
    specs[i].kind = take (recipe, 4);
    specs[i].units = 1 + take (recipe, MAX_UNITS);
    specs[i].name = names[take (recipe, G_N_ELEMENTS (names))];
  }
  return h5w_model_new_random (specs, n_layers, side, take (recipe, 256));
}

static void
choose_options (Recipe     *recipe,
                H5wOptions *options)
{
  guint flags = take (recipe, 256);

  options->naming = take (recipe, 2);
  options->storage = take (recipe, 2);
  options->dtype = take (recipe, 3);
  options->input_layer = flags & 1;
  options->vlen_strings = flags & 2;
  options->userblock = flags & 4;
  options->model_weights = flags & 8;
  options->split_lists = flags & 16;
}

/* A NaN, an infinity or a value so large that activations overflow, in
 * one kernel or bias. */
static void
spoil_value (Recipe   *recipe,
             H5wModel *model)
{
  static const float values[] = {
    NAN, INFINITY, -INFINITY, 1e30f, 3e38f, -3e38f, 1e5f,
  };
  H5wLayer *layer = &model->layers[take (recipe, model->n_layers)];
  H5wTensor *tensor = take (recipe, 2) ? &layer->kernel : &layer->bias;
  gsize n_values;

  if (tensor->rank == 0 || tensor->data == NULL) {
    return;
  }
  n_values = h5w_tensor_n_values (tensor);
  if (n_values > 0) {
    tensor->data[take (recipe, 256) % n_values] =
      values[take (recipe, G_N_ELEMENTS (values))];
  }
}

static void
spoil_shape (Recipe   *recipe,
             H5wModel *model)
{
  H5wLayer *layer = &model->layers[take (recipe, model->n_layers)];
  H5wTensor *tensor = take (recipe, 2) ? &layer->kernel : &layer->bias;
  int rank = 1 + take (recipe, 4);
  int dims[4];

  if (tensor->rank == 0) {
    return;
  }
  for (int i = 0; i < rank; i++) {
    dims[i] = take (recipe, 10);
  }
  h5w_tensor_reshape (tensor, rank, dims);
}

/* Surgery on the written file: an attribute, a group or a dataset gone. */
static void
spoil_file (Recipe         *recipe,
            const H5wModel *model)
{
  const H5wLayer *layer = &model->layers[take (recipe, model->n_layers)];
  g_autofree char *dataset = NULL;

  switch (take (recipe, 4)) {
  case 1:
    h5w_delete_attribute (path, "/", "layer_names", NULL);
    break;
  case 2:
    h5w_delete_attribute (path, layer->name, "weight_names", NULL);
    break;
  case 3:
    dataset = g_strdup_printf ("%s/%s_W_1:0", layer->name, layer->name);
    h5w_delete_link (path, take (recipe, 2) ? layer->name : dataset, NULL);
    break;
  default:
    break;
  }
}

/* h5-writer cannot chunk a dataset with no values. */
static gboolean
has_empty_tensor (const H5wModel *model)
{
  for (guint i = 0; i < model->n_layers; i++) {
    const H5wLayer *layer = &model->layers[i];

    if ((layer->kernel.rank > 0 &&
         h5w_tensor_n_values (&layer->kernel) == 0) ||
        (layer->bias.rank > 0 && h5w_tensor_n_values (&layer->bias) == 0)) {
      return TRUE;
    }
  }
  return FALSE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  Recipe recipe = { data, size, 0 };
  g_autoptr(H5wModel) model = make_model (&recipe);
  H5wOptions options = { 0 };

  choose_options (&recipe, &options);
  if (take (&recipe, 2)) {
    spoil_value (&recipe, model);
  }
  if (take (&recipe, 4) == 0) {
    spoil_shape (&recipe, model);
  }
  if (has_empty_tensor (model)) {
    options.storage = H5W_STORAGE_CONTIGUOUS;
  }
  if (!h5w_model_write (model, path, &options, NULL)) {
    return 0;
  }
  spoil_file (&recipe, model);

  check_weights_file (path);
  return 0;
}
