/* h5-writer.c: writes Keras-layout HDF5 weight files for tests and benchmarks
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The layout is the one Keras' save_weights produces: a root attribute
 * `layer_names` listing every layer, one group per layer with an attribute
 * `weight_names`, and one dataset per weight, opened by that name relative
 * to the layer group.
 */

#include "h5-writer.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <math.h>
#include <string.h>

/* Slabs of at most this many floats are generated and written at a time. */
#define SLAB_FLOATS (1u << 20)

/* Chunked storage uses chunks of at most this many values. */
#define CHUNK_VALUES (16u * 1024u)

/* He-style uniform scaling keeps E[x^2] through conv/dense + ReLU; the last
 * dense layer gets this gain on a variance-1/n_in scaling instead, so that
 * activations of RMS ~60 (preprocessed pixels) give logits of RMS ~3. */
#define LAST_LAYER_GAIN 0.05
#define HIDDEN_BIAS_SCALE 1.0f
#define LAST_BIAS_SCALE 0.5f

const H5wLayerSpec h5w_vgg16_layers[] = {
  { H5W_CONV, "block1_conv1", 64 },
  { H5W_CONV, "block1_conv2", 64 },
  { H5W_POOL, "block1_pool", 0 },
  { H5W_CONV, "block2_conv1", 128 },
  { H5W_CONV, "block2_conv2", 128 },
  { H5W_POOL, "block2_pool", 0 },
  { H5W_CONV, "block3_conv1", 256 },
  { H5W_CONV, "block3_conv2", 256 },
  { H5W_CONV, "block3_conv3", 256 },
  { H5W_POOL, "block3_pool", 0 },
  { H5W_CONV, "block4_conv1", 512 },
  { H5W_CONV, "block4_conv2", 512 },
  { H5W_CONV, "block4_conv3", 512 },
  { H5W_POOL, "block4_pool", 0 },
  { H5W_CONV, "block5_conv1", 512 },
  { H5W_CONV, "block5_conv2", 512 },
  { H5W_CONV, "block5_conv3", 512 },
  { H5W_POOL, "block5_pool", 0 },
  { H5W_FLATTEN, "flatten", 0 },
  { H5W_DENSE, "fc1", 4096 },
  { H5W_DENSE, "fc2", 4096 },
  { H5W_DENSE, "predictions", 1000 },
};

const guint h5w_vgg16_n_layers = G_N_ELEMENTS (h5w_vgg16_layers);

/* HDF5 identifiers closed at the end of their scope. */
typedef hid_t H5wHandle;

static void
handle_close (H5wHandle handle)
{
  if (handle >= 0) {
    H5Idec_ref (handle);
  }
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (H5wHandle, handle_close, H5I_INVALID_HID)

static gboolean
h5_failed (GError    **error,
           const char *path,
           const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "“%s”: HDF5 could not %s", path, what);
  return FALSE;
}

/* Random streams: xorshift64* seeded through a splitmix64 finaliser. */

static guint64
mix64 (guint64 value)
{
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

static guint64
stream_seed (guint32 seed,
             guint   layer_index,
             guint   tensor_index)
{
  guint64 key = ((guint64) seed << 32) ^ ((guint64) layer_index << 4) ^ tensor_index;

  return mix64 (key) | 1;
}

/* Fills `values` with the next `count` values of the stream in `state`. */
static void
stream_fill (float   *values,
             gsize    count,
             guint64 *state,
             float    scale)
{
  guint64 x = *state;

  for (gsize i = 0; i < count; i++) {
    guint64 bits;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    bits = (x * 0x2545f4914f6cdd1dull) >> 40;
    /* 24 random bits to [-1, 1), exactly representable. */
    values[i] = scale * ((float) bits * (2.0f / 16777216.0f) - 1.0f);
  }
  *state = x;
}

/* Tensors. */

gsize
h5w_tensor_n_values (const H5wTensor *tensor)
{
  gsize count = 1;

  if (tensor->rank == 0) {
    return 0;
  }
  for (int i = 0; i < tensor->rank; i++) {
    count *= (gsize) tensor->dims[i];
  }
  return count;
}

void
h5w_tensor_fill (H5wTensor *tensor)
{
  guint64 state = tensor->stream;
  gsize count = h5w_tensor_n_values (tensor);

  g_free (tensor->data);
  tensor->data = g_new (float, MAX (count, 1));
  stream_fill (tensor->data, count, &state, tensor->scale);
}

void
h5w_tensor_reshape (H5wTensor *tensor,
                    int        rank,
                    const int *dims)
{
  g_return_if_fail (rank >= 1 && rank <= 4);

  tensor->rank = rank;
  for (int i = 0; i < 4; i++) {
    tensor->dims[i] = i < rank ? dims[i] : 0;
  }
  h5w_tensor_fill (tensor);
}

static void
tensor_init (H5wTensor *tensor,
             int        rank,
             const int *dims,
             guint64    stream,
             double     scale)
{
  tensor->rank = rank;
  for (int i = 0; i < 4; i++) {
    tensor->dims[i] = i < rank ? dims[i] : 0;
  }
  tensor->data = NULL;
  tensor->stream = stream;
  tensor->scale = (float) scale;
}

/* Models. */

static int
last_dense_index (const H5wLayerSpec *layers,
                  guint               n_layers)
{
  int last = -1;

  for (guint i = 0; i < n_layers; i++) {
    if (layers[i].kind == H5W_DENSE) {
      last = (int) i;
    }
  }
  return last;
}

H5wModel *
h5w_model_new (const H5wLayerSpec *layers,
               guint               n_layers,
               int                 input_size,
               guint32             seed)
{
  H5wModel *model = g_new0 (H5wModel, 1);
  int height = input_size;
  int width = input_size;
  int channels = 3;
  int last_dense = last_dense_index (layers, n_layers);

  model->input_size = input_size;
  model->input_channels = channels;
  model->n_layers = n_layers;
  model->layers = g_new0 (H5wLayer, n_layers);

  for (guint i = 0; i < n_layers; i++) {
    H5wLayer *layer = &model->layers[i];
    gboolean last = (int) i == last_dense;
    guint64 kernel_stream = stream_seed (seed, i, 0);
    guint64 bias_stream = stream_seed (seed, i, 1);

    layer->kind = layers[i].kind;
    layer->name = g_strdup (layers[i].name);
    layer->in_height = height;
    layer->in_width = width;
    layer->in_channels = channels;

    switch (layer->kind) {
    case H5W_CONV: {
      int dims[4] = { 3, 3, channels, layers[i].units };

      tensor_init (&layer->kernel, 4, dims, kernel_stream, sqrt (6.0 / (9.0 * channels)));
      tensor_init (&layer->bias, 1, &dims[3], bias_stream, HIDDEN_BIAS_SCALE);
      channels = layers[i].units;
      break;
    }
    case H5W_POOL:
      height /= 2;
      width /= 2;
      break;
    case H5W_FLATTEN:
      channels *= height * width;
      height = width = 1;
      break;
    case H5W_DENSE: {
      int dims[2] = { channels, layers[i].units };
      double scale = last ? LAST_LAYER_GAIN * sqrt (3.0 / channels)
                          : sqrt (6.0 / channels);

      tensor_init (&layer->kernel, 2, dims, kernel_stream, scale);
      tensor_init (&layer->bias, 1, &dims[1], bias_stream,
                   last ? LAST_BIAS_SCALE : HIDDEN_BIAS_SCALE);
      channels = layers[i].units;
      break;
    }
    default:
      g_assert_not_reached ();
    }

    layer->out_height = height;
    layer->out_width = width;
    layer->out_channels = channels;
  }
  return model;
}

H5wModel *
h5w_model_new_random (const H5wLayerSpec *layers,
                      guint               n_layers,
                      int                 input_size,
                      guint32             seed)
{
  H5wModel *model = h5w_model_new (layers, n_layers, input_size, seed);

  for (guint i = 0; i < model->n_layers; i++) {
    if (model->layers[i].kernel.rank > 0) {
      h5w_tensor_fill (&model->layers[i].kernel);
      h5w_tensor_fill (&model->layers[i].bias);
    }
  }
  return model;
}

void
h5w_model_free (H5wModel *model)
{
  if (model == NULL) {
    return;
  }
  for (guint i = 0; i < model->n_layers; i++) {
    g_free (model->layers[i].name);
    g_free (model->layers[i].kernel.data);
    g_free (model->layers[i].bias.data);
  }
  g_free (model->layers);
  g_free (model);
}

gsize
h5w_model_n_parameters (const H5wModel *model)
{
  gsize total = 0;

  for (guint i = 0; i < model->n_layers; i++) {
    total += h5w_tensor_n_values (&model->layers[i].kernel);
    total += h5w_tensor_n_values (&model->layers[i].bias);
  }
  return total;
}

/* Writing. */

/* Objects are written without modification times, so that the same model
 * always gives the same bytes. */
static hid_t
create_group (hid_t       parent,
              const char *name)
{
  g_auto(H5wHandle) gcpl = H5Pcreate (H5P_GROUP_CREATE);

  H5Pset_obj_track_times (gcpl, FALSE);
  return H5Gcreate2 (parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
}

/* A 1-D attribute of strings, fixed-length and NUL-padded as numpy's "S"
 * arrays (what Keras writes) or variable-length. An empty list becomes an
 * empty float64 array, which is what numpy makes of Keras' `[]`. */
static gboolean
write_string_list (hid_t        object,
                   const char  *name,
                   const char **strings,
                   guint        n_strings,
                   gboolean     vlen)
{
  g_auto(H5wHandle) type = H5I_INVALID_HID;
  g_auto(H5wHandle) space = H5I_INVALID_HID;
  g_auto(H5wHandle) attribute = H5I_INVALID_HID;
  hsize_t dims[1] = { n_strings };
  g_autofree char *fixed = NULL;
  gsize width = 1;

  space = H5Screate_simple (1, dims, NULL);
  if (n_strings == 0) {
    attribute = H5Acreate2 (object, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    return attribute >= 0;
  }

  type = H5Tcopy (H5T_C_S1);
  if (vlen) {
    H5Tset_size (type, H5T_VARIABLE);
    H5Tset_cset (type, H5T_CSET_UTF8);
    attribute = H5Acreate2 (object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    return attribute >= 0 && H5Awrite (attribute, type, strings) >= 0;
  }

  for (guint i = 0; i < n_strings; i++) {
    width = MAX (width, strlen (strings[i]));
  }
  fixed = g_malloc0 (width * n_strings);
  for (guint i = 0; i < n_strings; i++) {
    memcpy (fixed + i * width, strings[i], strlen (strings[i]));
  }
  H5Tset_size (type, width);
  H5Tset_strpad (type, H5T_STR_NULLPAD);
  attribute = H5Acreate2 (object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  return attribute >= 0 && H5Awrite (attribute, type, fixed) >= 0;
}

static gboolean
write_string (hid_t       object,
              const char *name,
              const char *value)
{
  g_auto(H5wHandle) type = H5Tcopy (H5T_C_S1);
  g_auto(H5wHandle) space = H5Screate (H5S_SCALAR);
  g_auto(H5wHandle) attribute = H5I_INVALID_HID;

  H5Tset_size (type, strlen (value));
  H5Tset_strpad (type, H5T_STR_NULLPAD);
  attribute = H5Acreate2 (object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  return attribute >= 0 && H5Awrite (attribute, type, value) >= 0;
}

static hid_t
file_type (H5wDtype dtype)
{
  switch (dtype) {
  case H5W_DTYPE_F32BE:
    return H5T_IEEE_F32BE;
  case H5W_DTYPE_F64LE:
    return H5T_IEEE_F64LE;
  case H5W_DTYPE_F32LE:
  default:
    return H5T_IEEE_F32LE;
  }
}

/* Chunks of at most CHUNK_VALUES: whole trailing dimensions while they
 * fit, then a part of the next, then 1. */
static void
chunk_dims (hsize_t       *chunk,
            const hsize_t *dims,
            int            rank)
{
  hsize_t values = 1;

  for (int i = rank - 1; i >= 0; i--) {
    hsize_t fit = MAX (CHUNK_VALUES / values, 1);

    chunk[i] = MIN (dims[i], fit);
    values *= chunk[i];
  }
}

/* Writes `tensor` as dataset `name` below `group`, from its data or, when it
 * has none, from its random stream, in slabs along the first axis. */
static gboolean
write_tensor (hid_t             group,
              const char       *name,
              const H5wTensor  *tensor,
              const H5wOptions *options,
              float            *slab)
{
  g_auto(H5wHandle) space = H5I_INVALID_HID;
  g_auto(H5wHandle) dcpl = H5Pcreate (H5P_DATASET_CREATE);
  g_auto(H5wHandle) lcpl = H5Pcreate (H5P_LINK_CREATE);
  g_auto(H5wHandle) dataset = H5I_INVALID_HID;
  hsize_t dims[4];
  hsize_t row_values = 1;
  hsize_t rows_per_slab;
  guint64 state = tensor->stream;

  for (int i = 0; i < tensor->rank; i++) {
    dims[i] = (hsize_t) tensor->dims[i];
    row_values *= i > 0 ? dims[i] : 1;
  }
  space = H5Screate_simple (tensor->rank, dims, NULL);

  if (options->storage == H5W_STORAGE_CHUNKED) {
    hsize_t chunk[4];

    chunk_dims (chunk, dims, tensor->rank);
    H5Pset_chunk (dcpl, tensor->rank, chunk);
    H5Pset_shuffle (dcpl);
    H5Pset_deflate (dcpl, 1);
  }
  H5Pset_obj_track_times (dcpl, FALSE);
  H5Pset_create_intermediate_group (lcpl, 1);
  dataset = H5Dcreate2 (group, name, file_type (options->dtype), space, lcpl, dcpl,
                        H5P_DEFAULT);
  if (dataset < 0) {
    return FALSE;
  }
  if (tensor->data != NULL) {
    return H5Dwrite (dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     tensor->data) >= 0;
  }

  rows_per_slab = MAX (SLAB_FLOATS / row_values, 1);
  g_assert (rows_per_slab * row_values <= SLAB_FLOATS);
  for (hsize_t row = 0; row < dims[0]; row += rows_per_slab) {
    g_auto(H5wHandle) memory = H5I_INVALID_HID;
    hsize_t start[4] = { row, 0, 0, 0 };
    hsize_t count[4];

    for (int i = 0; i < tensor->rank; i++) {
      count[i] = i == 0 ? MIN (rows_per_slab, dims[0] - row) : dims[i];
    }
    stream_fill (slab, count[0] * row_values, &state, tensor->scale);
    memory = H5Screate_simple (tensor->rank, count, NULL);
    if (H5Sselect_hyperslab (space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dwrite (dataset, H5T_NATIVE_FLOAT, memory, space, H5P_DEFAULT, slab) < 0) {
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
write_layer (hid_t             root,
             const H5wLayer   *layer,
             const H5wOptions *options,
             float            *slab)
{
  g_auto(H5wHandle) group = create_group (root, layer->name);
  g_autofree char *kernel_name = NULL;
  g_autofree char *bias_name = NULL;
  const char *weight_names[2];

  if (group < 0) {
    return FALSE;
  }
  if (layer->kernel.rank == 0) {
    return write_string_list (group, "weight_names", NULL, 0, options->vlen_strings);
  }

  if (options->naming == H5W_NAMING_OLD) {
    kernel_name = g_strdup_printf ("%s_W_1:0", layer->name);
    bias_name = g_strdup_printf ("%s_b_1:0", layer->name);
  } else {
    kernel_name = g_strdup_printf ("%s/kernel:0", layer->name);
    bias_name = g_strdup_printf ("%s/bias:0", layer->name);
  }
  weight_names[0] = kernel_name;
  weight_names[1] = bias_name;
  return write_string_list (group, "weight_names", weight_names, 2, options->vlen_strings) &&
         write_tensor (group, kernel_name, &layer->kernel, options, slab) &&
         write_tensor (group, bias_name, &layer->bias, options, slab);
}

static gboolean
write_input_layer (hid_t root)
{
  g_auto(H5wHandle) group = create_group (root, "input_1");

  return group >= 0 && write_string_list (group, "weight_names", NULL, 0, FALSE);
}

static gboolean
write_root_attributes (hid_t             root,
                       const H5wModel   *model,
                       const H5wOptions *options)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char **strings;
  guint half;

  if (options->input_layer) {
    g_ptr_array_add (names, (gpointer) "input_1");
  }
  for (guint i = 0; i < model->n_layers; i++) {
    g_ptr_array_add (names, model->layers[i].name);
  }
  strings = (const char **) names->pdata;
  half = names->len / 2;
  if (options->split_lists) {
    if (!write_string_list (root, "layer_names0", strings, half, options->vlen_strings) ||
        !write_string_list (root, "layer_names1", strings + half, names->len - half,
                            options->vlen_strings)) {
      return FALSE;
    }
  } else if (!write_string_list (root, "layer_names", strings, names->len,
                                 options->vlen_strings)) {
    return FALSE;
  }
  return write_string (root, "backend", "tensorflow") &&
         write_string (root, "keras_version", "2.1.5");
}

static gboolean
write_file (const H5wModel    *model,
            const char        *path,
            const H5wOptions  *options,
            GError           **error)
{
  g_auto(H5wHandle) fcpl = H5Pcreate (H5P_FILE_CREATE);
  g_auto(H5wHandle) file = H5I_INVALID_HID;
  g_auto(H5wHandle) root = H5I_INVALID_HID;
  g_autofree float *slab = NULL;
  hid_t closing;

  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  if (options->userblock) {
    H5Pset_userblock (fcpl, 512);
  }
  file = H5Fcreate (path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  if (file < 0) {
    return h5_failed (error, path, "create the file");
  }
  root = options->model_weights
         ? create_group (file, "model_weights")
         : H5Gopen2 (file, "/", H5P_DEFAULT);
  if (root < 0) {
    return h5_failed (error, path, "create the root group");
  }
  if (options->input_layer && !write_input_layer (root)) {
    return h5_failed (error, path, "write the input_1 layer");
  }
  if (!write_root_attributes (root, model, options)) {
    return h5_failed (error, path, "write the root attributes");
  }

  slab = g_new (float, SLAB_FLOATS);
  for (guint i = 0; i < model->n_layers; i++) {
    if (!write_layer (root, &model->layers[i], options, slab)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "“%s”: HDF5 could not write layer “%s”", path, model->layers[i].name);
      return FALSE;
    }
  }

  /* Close explicitly: this is where the last data reaches the disk. */
  H5Gclose (root);
  root = H5I_INVALID_HID;
  closing = file;
  file = H5I_INVALID_HID;
  if (H5Fclose (closing) < 0) {
    return h5_failed (error, path, "finish writing the file");
  }
  return TRUE;
}

gboolean
h5w_model_write (const H5wModel    *model,
                 const char        *path,
                 const H5wOptions  *options,
                 GError           **error)
{
  static const H5wOptions defaults = { 0 };
  g_autofree char *part_path = NULL;
  int saved_errno;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* Written beside and renamed into place, so that a process that has the
   * old file mapped keeps its contents. */
  part_path = g_strconcat (path, ".part", NULL);
  if (!write_file (model, part_path, options != NULL ? options : &defaults, error)) {
    g_remove (part_path);
    return FALSE;
  }
  if (g_rename (part_path, path) != 0) {
    saved_errno = errno;
    g_remove (part_path);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 "“%s”: %s", path, g_strerror (saved_errno));
    return FALSE;
  }
  return TRUE;
}

gboolean
h5w_write_vgg16_random (const char  *path,
                        guint32      seed,
                        GError     **error)
{
  g_autoptr(H5wModel) model = NULL;
  H5wOptions options = { 0 };

  g_return_val_if_fail (path != NULL, FALSE);

  model = h5w_model_new (h5w_vgg16_layers, h5w_vgg16_n_layers, 224, seed);
  options.naming = H5W_NAMING_OLD;
  options.storage = H5W_STORAGE_CONTIGUOUS;
  options.input_layer = TRUE;
  return h5w_model_write (model, path, &options, error);
}

/* Surgery. */

gboolean
h5w_delete_attribute (const char  *path,
                      const char  *object,
                      const char  *attribute,
                      GError     **error)
{
  g_auto(H5wHandle) file = H5I_INVALID_HID;

  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  file = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) {
    return h5_failed (error, path, "open the file");
  }
  if (H5Adelete_by_name (file, object, attribute, H5P_DEFAULT) < 0) {
    return h5_failed (error, path, "delete the attribute");
  }
  return TRUE;
}

gboolean
h5w_delete_link (const char  *path,
                 const char  *link,
                 GError     **error)
{
  g_auto(H5wHandle) file = H5I_INVALID_HID;

  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  file = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) {
    return h5_failed (error, path, "open the file");
  }
  if (H5Ldelete (file, link, H5P_DEFAULT) < 0) {
    return h5_failed (error, path, "delete the link");
  }
  return TRUE;
}
