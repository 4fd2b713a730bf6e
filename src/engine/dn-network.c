/* dn-network.c: a sequential network read from a Keras HDF5 weight file
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loading is a list of steps: map the file and check that it is HDF5; list
 * the layers from the `layer_names` and `weight_names` attributes; work out
 * the input size and check every shape against what the layer before
 * produces; place the weights (used in place from the mapping where the
 * file's bytes are already float32 as we need them, otherwise read into one
 * block); check them for NaN and infinity; and transform, once, the kernels
 * of the conv layers that run as Winograd convolutions. The file's data is
 * never trusted: each failure is a GError naming the file and the dataset.
 *
 * Debian's serial libhdf5 is not thread-safe, so every HDF5 call runs under
 * `hdf5_lock`.
 */

#include "dn-network.h"

#include "dn-error.h"
#include "dn-layers.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Limits on what a file may ask for, far above VGG16's, so that a damaged
 * or hostile file gets an error instead of a giant allocation. */
#define MAX_INPUT_SIDE 8192
#define MAX_DIM (1 << 24)
#define MAX_ACTIVATION_FLOATS ((gsize) 1 << 28)
#define MAX_LIST_LENGTH 100000
#define MAX_STRING_BYTES 4096

/* Buffers carved from one block start at multiples of this many floats. */
#define ALIGN_FLOATS 16

/* An HDF5 file starts with this signature at offset 0, 512, 1024, 2048... */
static const char hdf5_signature[8] = "\211HDF\r\n\032\n";

static GMutex hdf5_lock;

struct _DnNetwork {
  char         *path;

  /* Weight storage; the layers point into it. */
  GMappedFile  *mapped;        /* NULL when no dataset is used in place */
  float        *read_block;    /* the datasets that had to be read */
  gsize         mapped_bytes;
  gsize         read_bytes;

  DnLayer      *layers;
  guint         n_layers;
  int           input_height;
  int           input_width;
  int           input_channels;
  int           n_classes;
  gsize         n_parameters;
  gsize         largest_activation;   /* floats of one image */
  gsize         scratch_floats;       /* conv scratch, im2col or Winograd */

  /* Transformed kernels (36, in_channels, out_channels) of the conv layers
   * that run as Winograd convolutions, carved from one block; the entry of
   * any other layer is NULL. */
  float        *winograd_block;
  const float **winograd_kernels;     /* (n_layers) */

  /* Forward buffers, one block for `batch_capacity` images. */
  float        *buffers;
  int           batch_capacity;
  float        *activations[2];       /* ping-pong (batch, largest_activation) */
  float        *scratch;              /* (scratch_floats) */

  DnLayerTimer  timer;
  gpointer      timer_data;
};

/* HDF5 identifiers closed at the end of their scope (under the lock). */
typedef hid_t DnH5Handle;

static void
h5_handle_close (DnH5Handle handle)
{
  if (handle >= 0) {
    H5Idec_ref (handle);
  }
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (DnH5Handle, h5_handle_close, H5I_INVALID_HID)

/* One weight dataset while loading. */
typedef struct {
  char    *name;        /* "layer/weight name", for messages */
  hid_t    dataset;
  int      rank;
  hsize_t  dims[H5S_MAX_RANK];
  gsize    n_values;
  float   *data;        /* where it ends up: mapping or read block */
  gboolean mapped;
} Weight;

typedef struct {
  DnLayer  layer;
  Weight   kernel;      /* conv and dense only */
  Weight   bias;
} LayerPlan;

typedef struct {
  const char  *path;
  gboolean     allow_map;
  const char  *bytes;   /* the mapped file */
  gsize        size;
  hid_t        file;
  hid_t        root;    /* the group with `layer_names` */
  GArray      *plans;   /* of LayerPlan */
  float       *read_block;
  gsize        mapped_bytes;
  gsize        read_bytes;
} Loader;

/* Errors. */

static void load_error (GError     **error,
                        const Loader *loader,
                        DnError      code,
                        const char  *format,
                        ...) G_GNUC_PRINTF (4, 5);

/* Sets `error` to "“path”: message". */
static void
load_error (GError      **error,
            const Loader *loader,
            DnError       code,
            const char   *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, DN_ERROR, code, "“%s”: %s", loader->path, message);
}

static herr_t
keep_deepest_error (unsigned           n,
                    const H5E_error2_t *entry,
                    void              *user_data)
{
  char **deepest = user_data;

  g_free (*deepest);
  *deepest = g_strdup (entry->desc != NULL ? entry->desc : "");
  return 0;
}

/* The most specific message on HDF5's error stack, e.g. "truncated file:
 * eof = 1024, ...". */
static char *
hdf5_error_detail (void)
{
  char *deepest = NULL;

  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_deepest_error, &deepest);
  if (deepest == NULL || *deepest == '\0') {
    g_free (deepest);
    return g_strdup ("no details from HDF5");
  }
  return deepest;
}

/* "(3, 3, 128, 256)" */
static char *
format_shape (const hsize_t *dims,
              int            rank)
{
  GString *text = g_string_new ("(");

  for (int i = 0; i < rank; i++) {
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, i > 0 ? ", " : "",
                            (guint64) dims[i]);
  }
  g_string_append_c (text, ')');
  return g_string_free (text, FALSE);
}

/* Step 1: the file itself. */

static GMappedFile *
map_file (const Loader  *loader,
          GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  GMappedFile *mapped;
  struct stat info;
  int fd;

  fd = g_open (loader->path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    int saved_errno = errno;

    load_error (error, loader, DN_ERROR_IO, "%s", g_strerror (saved_errno));
    return NULL;
  }
  if (fstat (fd, &info) != 0) {
    int saved_errno = errno;

    load_error (error, loader, DN_ERROR_IO, "%s", g_strerror (saved_errno));
    close (fd);
    return NULL;
  }
  if (!S_ISREG (info.st_mode)) {
    load_error (error, loader, DN_ERROR_IO, "%s",
                S_ISDIR (info.st_mode) ? "is a directory, not a weight file"
                                       : "is not a regular file");
    close (fd);
    return NULL;
  }
  if (info.st_size == 0) {
    load_error (error, loader, DN_ERROR_FORMAT, "the file is empty, not an HDF5 weight file");
    close (fd);
    return NULL;
  }

  mapped = g_mapped_file_new_from_fd (fd, FALSE, &local_error);
  close (fd);
  if (mapped == NULL) {
    load_error (error, loader, DN_ERROR_IO, "%s", local_error->message);
    return NULL;
  }
#ifdef MADV_WILLNEED
  /* Start reading ahead now: every page is touched by the finite check. */
  madvise (g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped),
           MADV_WILLNEED);
#endif
  return mapped;
}

static gboolean
has_hdf5_signature (const char *bytes,
                    gsize       size)
{
  for (gsize offset = 0; offset <= size && size - offset >= sizeof hdf5_signature;
       offset = offset == 0 ? 512 : offset * 2) {
    if (memcmp (bytes + offset, hdf5_signature, sizeof hdf5_signature) == 0) {
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
open_hdf5 (Loader  *loader,
           GError **error)
{
  g_auto(DnH5Handle) access = H5Pcreate (H5P_FILE_ACCESS);

  /* Closing the file then closes anything still open in it. */
  H5Pset_fclose_degree (access, H5F_CLOSE_STRONG);
  loader->file = H5Fopen (loader->path, H5F_ACC_RDONLY, access);
  if (loader->file < 0) {
    g_autofree char *detail = hdf5_error_detail ();

    load_error (error, loader, DN_ERROR_FORMAT,
                "HDF5 cannot open it; the file is truncated or damaged (%s)", detail);
    return FALSE;
  }
  return TRUE;
}

/* Step 2: the layer list. */

/* Appends the strings of an attribute holding a list (fixed- or
 * variable-length strings) to `list`. An empty attribute of any type is an
 * empty list, which is what Keras writes for layers without weights. */
static gboolean
append_strings (const Loader  *loader,
                GPtrArray     *list,
                hid_t          object,
                const char    *attribute_name,
                const char    *owner,
                GError       **error)
{
  g_auto(DnH5Handle) attribute = H5Aopen (object, attribute_name, H5P_DEFAULT);
  g_auto(DnH5Handle) space = H5I_INVALID_HID;
  g_auto(DnH5Handle) type = H5I_INVALID_HID;
  hssize_t n_points;

  space = attribute >= 0 ? H5Aget_space (attribute) : H5I_INVALID_HID;
  type = attribute >= 0 ? H5Aget_type (attribute) : H5I_INVALID_HID;
  n_points = space >= 0 ? H5Sget_simple_extent_npoints (space) : -1;
  if (n_points == 0) {
    return TRUE;
  }
  if (n_points < 0 || n_points > MAX_LIST_LENGTH || H5Sget_simple_extent_ndims (space) > 1 ||
      type < 0 || H5Tget_class (type) != H5T_STRING) {
    load_error (error, loader, DN_ERROR_FORMAT,
                "attribute “%s” of %s is not a list of strings", attribute_name, owner);
    return FALSE;
  }

  if (H5Tis_variable_str (type) > 0) {
    g_auto(DnH5Handle) memory_type = H5Tcopy (H5T_C_S1);
    g_autofree char **values = g_new0 (char *, n_points);
    herr_t status;

    H5Tset_size (memory_type, H5T_VARIABLE);
    H5Tset_cset (memory_type, H5Tget_cset (type));
    status = H5Aread (attribute, memory_type, values);
    for (hssize_t i = 0; i < n_points; i++) {
      g_ptr_array_add (list, g_strdup (values[i] != NULL ? values[i] : ""));
      H5free_memory (values[i]);
    }
    if (status < 0) {
      load_error (error, loader, DN_ERROR_FORMAT,
                  "attribute “%s” of %s cannot be read", attribute_name, owner);
      return FALSE;
    }
  } else {
    gsize width = H5Tget_size (type);
    g_autofree char *values = NULL;

    if (width == 0 || width > MAX_STRING_BYTES) {
      load_error (error, loader, DN_ERROR_FORMAT,
                  "attribute “%s” of %s has strings of %" G_GSIZE_FORMAT " bytes",
                  attribute_name, owner, width);
      return FALSE;
    }
    values = g_malloc0 (width * (gsize) n_points);
    if (H5Aread (attribute, type, values) < 0) {
      load_error (error, loader, DN_ERROR_FORMAT,
                  "attribute “%s” of %s cannot be read", attribute_name, owner);
      return FALSE;
    }
    for (hssize_t i = 0; i < n_points; i++) {
      char *value = g_strndup (values + (gsize) i * width, width);

      if (H5Tget_strpad (type) == H5T_STR_SPACEPAD) {
        g_strchomp (value);
      }
      g_ptr_array_add (list, value);
    }
  }

  for (guint i = 0; i < list->len; i++) {
    if (!g_utf8_validate (list->pdata[i], -1, NULL)) {
      char *valid = g_utf8_make_valid (list->pdata[i], -1);

      g_free (list->pdata[i]);
      list->pdata[i] = valid;
    }
  }
  return TRUE;
}

/* Whether `object` has the list `name`, whole or split (see below). */
static gboolean
has_string_list (hid_t       object,
                 const char *name)
{
  g_autofree char *first_part = g_strconcat (name, "0", NULL);

  return H5Aexists (object, name) > 0 || H5Aexists (object, first_part) > 0;
}

/* Reads the list of strings `name` of `object`. Keras splits a list too big
 * for an object header into attributes `name0`, `name1`, ... Returns NULL
 * with `error` set on failure. */
static char **
read_string_list (const Loader  *loader,
                  hid_t          object,
                  const char    *name,
                  const char    *owner,
                  GError       **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  if (H5Aexists (object, name) > 0) {
    if (!append_strings (loader, list, object, name, owner, error)) {
      return NULL;
    }
  } else if (has_string_list (object, name)) {
    for (guint part = 0; ; part++) {
      g_autofree char *part_name = g_strdup_printf ("%s%u", name, part);

      if (H5Aexists (object, part_name) <= 0) {
        break;
      }
      if (list->len > MAX_LIST_LENGTH) {
        load_error (error, loader, DN_ERROR_FORMAT,
                    "attribute “%s” of %s makes the list too long", part_name, owner);
        return NULL;
      }
      if (!append_strings (loader, list, object, part_name, owner, error)) {
        return NULL;
      }
    }
  } else {
    load_error (error, loader, DN_ERROR_FORMAT,
                "%s has no “%s” attribute; not a Keras weight file", owner, name);
    return NULL;
  }
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}

/* The group holding `layer_names`: the root for save_weights() files, or
 * "model_weights" for files written by model.save(). */
static gboolean
find_root (Loader  *loader,
           GError **error)
{
  if (has_string_list (loader->file, "layer_names")) {
    loader->root = H5Gopen2 (loader->file, "/", H5P_DEFAULT);
  } else if (H5Lexists (loader->file, "model_weights", H5P_DEFAULT) > 0) {
    loader->root = H5Gopen2 (loader->file, "model_weights", H5P_DEFAULT);
    if (loader->root >= 0 && !has_string_list (loader->root, "layer_names")) {
      H5Gclose (loader->root);
      loader->root = H5I_INVALID_HID;
    }
  }
  if (loader->root < 0) {
    load_error (error, loader, DN_ERROR_FORMAT,
                "the root group has no “layer_names” attribute; not a Keras weight file");
    return FALSE;
  }
  return TRUE;
}

static const char *
type_class_name (H5T_class_t type_class)
{
  switch (type_class) {
  case H5T_INTEGER:
    return "integers";
  case H5T_STRING:
    return "strings";
  case H5T_COMPOUND:
    return "compound values";
  default:
    return "values of an unknown type";
  }
}

/* Opens the dataset `weight_name` relative to the layer group and reads its
 * shape and type (not its values). */
static gboolean
open_weight (const Loader  *loader,
             Weight        *weight,
             hid_t          group,
             const char    *layer_name,
             const char    *weight_name,
             GError       **error)
{
  g_auto(DnH5Handle) space = H5I_INVALID_HID;
  g_auto(DnH5Handle) type = H5I_INVALID_HID;
  H5T_class_t type_class;

  weight->name = g_strdup_printf ("%s/%s", layer_name, weight_name);
  weight->dataset = H5Dopen2 (group, weight_name, H5P_DEFAULT);
  if (weight->dataset < 0) {
    load_error (error, loader, DN_ERROR_FORMAT, "dataset “%s” is missing", weight->name);
    return FALSE;
  }

  type = H5Dget_type (weight->dataset);
  type_class = type >= 0 ? H5Tget_class (type) : H5T_NO_CLASS;
  if (type_class != H5T_FLOAT) {
    load_error (error, loader, DN_ERROR_FORMAT,
                "dataset “%s” holds %s, expected floating-point numbers", weight->name,
                type_class_name (type_class));
    return FALSE;
  }

  space = H5Dget_space (weight->dataset);
  weight->rank = space >= 0 ? H5Sget_simple_extent_ndims (space) : -1;
  if (weight->rank < 0 || H5Sget_simple_extent_dims (space, weight->dims, NULL) < 0) {
    load_error (error, loader, DN_ERROR_FORMAT, "dataset “%s” has no readable shape",
                weight->name);
    return FALSE;
  }
  weight->n_values = 1;
  for (int i = 0; i < weight->rank; i++) {
    if (weight->dims[i] == 0 || weight->dims[i] > MAX_DIM ||
        !g_size_checked_mul (&weight->n_values, weight->n_values, weight->dims[i]) ||
        weight->n_values > G_MAXSIZE / sizeof (float)) {
      g_autofree char *shape = format_shape (weight->dims, weight->rank);

      load_error (error, loader, DN_ERROR_SHAPE, "dataset “%s” has an impossible shape %s",
                  weight->name, shape);
      return FALSE;
    }
  }
  return TRUE;
}

/* Called under the lock. */
static void
weight_close (Weight *weight)
{
  if (weight->dataset > 0) {
    H5Dclose (weight->dataset);
  }
  weight->dataset = H5I_INVALID_HID;
}

/* Called after weight_close(), outside the lock. */
static void
layer_plan_clear (gpointer data)
{
  LayerPlan *plan = data;

  g_assert (plan->kernel.dataset <= 0 && plan->bias.dataset <= 0);
  g_free (plan->layer.name);
  g_free (plan->kernel.name);
  g_free (plan->bias.name);
}

static gboolean
has_weights (const LayerPlan *plan)
{
  return plan->layer.kind == DN_LAYER_CONV3X3 || plan->layer.kind == DN_LAYER_DENSE;
}

/* A layer without weights: pooling and flatten are recognised by name,
 * anything else (such as "input_1") has nothing to compute. */
static gboolean
plan_weightless_layer (Loader      *loader,
                       const char  *name,
                       GError     **error)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  LayerPlan plan = { 0 };

  if (strstr (lower, "pool") != NULL) {
    if (strstr (lower, "avg") != NULL || strstr (lower, "average") != NULL ||
        strstr (lower, "global") != NULL) {
      load_error (error, loader, DN_ERROR_FORMAT,
                  "layer “%s” is average or global pooling, which is not supported", name);
      return FALSE;
    }
    plan.layer.kind = DN_LAYER_MAXPOOL2X2;
  } else if (strstr (lower, "flatten") != NULL) {
    plan.layer.kind = DN_LAYER_FLATTEN;
  } else {
    return TRUE;
  }
  plan.layer.name = g_strdup (name);
  plan.kernel.dataset = plan.bias.dataset = H5I_INVALID_HID;
  g_array_append_val (loader->plans, plan);
  return TRUE;
}

static gboolean
plan_layer (Loader      *loader,
            const char  *name,
            GError     **error)
{
  g_auto(DnH5Handle) group = H5I_INVALID_HID;
  g_autofree char *owner = g_strdup_printf ("layer “%s”", name);
  g_auto(GStrv) weight_names = NULL;
  LayerPlan *plan;
  LayerPlan empty = { 0 };

  if (*name != '\0' && H5Lexists (loader->root, name, H5P_DEFAULT) > 0) {
    group = H5Gopen2 (loader->root, name, H5P_DEFAULT);
  }
  if (group < 0) {
    load_error (error, loader, DN_ERROR_FORMAT, "layer “%s” is listed in “layer_names” but "
                "has no group", name);
    return FALSE;
  }
  weight_names = read_string_list (loader, group, "weight_names", owner, error);
  if (weight_names == NULL) {
    return FALSE;
  }
  if (weight_names[0] == NULL) {
    return plan_weightless_layer (loader, name, error);
  }
  if (g_strv_length (weight_names) != 2) {
    load_error (error, loader, DN_ERROR_FORMAT,
                "layer “%s” has %u weights, expected a kernel and a bias", name,
                g_strv_length (weight_names));
    return FALSE;
  }

  empty.kernel.dataset = empty.bias.dataset = H5I_INVALID_HID;
  g_array_append_val (loader->plans, empty);
  plan = &g_array_index (loader->plans, LayerPlan, loader->plans->len - 1);
  plan->layer.name = g_strdup (name);
  if (!open_weight (loader, &plan->kernel, group, name, weight_names[0], error) ||
      !open_weight (loader, &plan->bias, group, name, weight_names[1], error)) {
    return FALSE;
  }

  switch (plan->kernel.rank) {
  case 4:
    plan->layer.kind = DN_LAYER_CONV3X3;
    return TRUE;
  case 2:
    plan->layer.kind = DN_LAYER_DENSE;
    return TRUE;
  default: {
    g_autofree char *shape = format_shape (plan->kernel.dims, plan->kernel.rank);

    load_error (error, loader, DN_ERROR_SHAPE,
                "dataset “%s” has shape %s, expected a conv kernel (3, 3, in, out) or a "
                "dense kernel (in, out)", plan->kernel.name, shape);
    return FALSE;
  }
  }
}

static gboolean
plan_layers (Loader  *loader,
             GError **error)
{
  g_auto(GStrv) layer_names = NULL;

  layer_names = read_string_list (loader, loader->root, "layer_names", "the root group",
                                  error);
  if (layer_names == NULL) {
    return FALSE;
  }
  for (guint i = 0; layer_names[i] != NULL; i++) {
    if (!plan_layer (loader, layer_names[i], error)) {
      return FALSE;
    }
  }
  if (loader->plans->len == 0) {
    load_error (error, loader, DN_ERROR_FORMAT, "the file lists no layers that Discern can run");
    return FALSE;
  }
  return TRUE;
}

/* Step 3: shapes. */

static gboolean
check_shape (const Loader  *loader,
             const Weight  *weight,
             int            rank,
             const int     *expected,
             GError       **error)
{
  gboolean same = weight->rank == rank;

  for (int i = 0; same && i < rank; i++) {
    same = weight->dims[i] == (hsize_t) expected[i];
  }
  if (!same) {
    g_autofree char *shape = format_shape (weight->dims, weight->rank);
    hsize_t dims[4];
    g_autofree char *wanted = NULL;

    for (int i = 0; i < rank; i++) {
      dims[i] = (hsize_t) expected[i];
    }
    wanted = format_shape (dims, rank);
    load_error (error, loader, DN_ERROR_SHAPE, "dataset “%s” has shape %s, expected %s",
                weight->name, shape, wanted);
    return FALSE;
  }
  return TRUE;
}

/* The input side from the first dense layer: its n_in is the flattened
 * (side / 2^pools)^2 * channels of the layers before it. Keras' pooling
 * drops odd edges, so several sides would do; the smallest is taken. */
static gboolean
find_input_side (Loader  *loader,
                 int     *side,
                 GError **error)
{
  int pools = 0;
  int channels = 3;
  gboolean flattened = FALSE;

  for (guint i = 0; i < loader->plans->len; i++) {
    LayerPlan *plan = &g_array_index (loader->plans, LayerPlan, i);
    guint64 n_in, area, root;

    switch (plan->layer.kind) {
    case DN_LAYER_CONV3X3:
      channels = (int) plan->kernel.dims[3];
      break;
    case DN_LAYER_MAXPOOL2X2:
      pools += flattened ? 0 : 1;
      break;
    case DN_LAYER_FLATTEN:
      flattened = TRUE;
      break;
    case DN_LAYER_DENSE:
      if (!flattened) {
        load_error (error, loader, DN_ERROR_FORMAT,
                    "dense layer “%s” comes before any flatten layer", plan->layer.name);
        return FALSE;
      }
      n_in = plan->kernel.dims[0];
      area = n_in / (guint64) channels;
      root = (guint64) round (sqrt ((double) area));
      if (n_in % (guint64) channels != 0 || root * root != area ||
          pools > 16 || (root << pools) > MAX_INPUT_SIDE) {
        g_autofree char *shape = format_shape (plan->kernel.dims, 2);

        load_error (error, loader, DN_ERROR_SHAPE,
                    "dataset “%s” has shape %s, but %" G_GUINT64_FORMAT " inputs are not the "
                    "flattened output of a square image with %d channels and %d poolings",
                    plan->kernel.name, shape, n_in, channels, pools);
        return FALSE;
      }
      *side = (int) (root << pools);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
  }
  *side = 224;
  return TRUE;
}

/* Walks the layers from the input, checking each weight's shape against
 * the activation the layer receives. */
static gboolean
check_shapes (Loader     *loader,
              DnNetwork  *network,
              GError    **error)
{
  int height = network->input_height;
  int width = network->input_width;
  int channels = network->input_channels;
  gboolean flattened = FALSE;
  int last_dense = -1;

  for (guint i = 0; i < loader->plans->len; i++) {
    LayerPlan *plan = &g_array_index (loader->plans, LayerPlan, i);
    DnLayer *layer = &plan->layer;
    int units;

    layer->in_height = height;
    layer->in_width = width;
    layer->in_channels = channels;

    switch (layer->kind) {
    case DN_LAYER_CONV3X3: {
      int kernel_dims[4] = { 3, 3, channels, 0 };

      units = (int) plan->kernel.dims[3];
      kernel_dims[3] = units;
      if (flattened) {
        load_error (error, loader, DN_ERROR_FORMAT,
                    "conv layer “%s” comes after a flatten layer", layer->name);
        return FALSE;
      }
      if (!check_shape (loader, &plan->kernel, 4, kernel_dims, error) ||
          !check_shape (loader, &plan->bias, 1, &units, error)) {
        return FALSE;
      }
      channels = units;
      network->scratch_floats = MAX (network->scratch_floats,
                                     dn_conv3x3_min_scratch (width, layer->in_channels));
      network->scratch_floats = MAX (network->scratch_floats,
                                     dn_conv3x3_winograd_min_scratch (layer->in_channels,
                                                                      units));
      break;
    }
    case DN_LAYER_MAXPOOL2X2:
      if (flattened || height < 2 || width < 2) {
        load_error (error, loader, DN_ERROR_SHAPE,
                    "layer “%s” cannot pool a %dx%d activation", layer->name, height, width);
        return FALSE;
      }
      height /= 2;
      width /= 2;
      break;
    case DN_LAYER_FLATTEN:
      channels *= height * width;
      height = width = 1;
      flattened = TRUE;
      break;
    case DN_LAYER_DENSE: {
      int kernel_dims[2] = { channels, 0 };

      units = (int) plan->kernel.dims[1];
      kernel_dims[1] = units;
      if (!check_shape (loader, &plan->kernel, 2, kernel_dims, error) ||
          !check_shape (loader, &plan->bias, 1, &units, error)) {
        return FALSE;
      }
      channels = units;
      last_dense = (int) i;
      break;
    }
    default:
      g_assert_not_reached ();
    }

    layer->out_height = height;
    layer->out_width = width;
    layer->out_channels = channels;
    if ((gsize) height * width * channels > MAX_ACTIVATION_FLOATS) {
      load_error (error, loader, DN_ERROR_SHAPE,
                  "layer “%s” would produce %dx%dx%d values, more than supported",
                  layer->name, height, width, channels);
      return FALSE;
    }
    network->largest_activation = MAX (network->largest_activation,
                                       (gsize) height * width * channels);
    if (layer->kind != DN_LAYER_FLATTEN) {
      network->n_parameters += plan->kernel.n_values + plan->bias.n_values;
    }
  }

  if (last_dense >= 0) {
    g_array_index (loader->plans, LayerPlan, last_dense).layer.softmax = TRUE;
  }
  network->n_classes = height * width * channels;
  return TRUE;
}

/* Step 4: placing the weights. */

/* Whether the dataset's bytes in the file are exactly the float32 array we
 * need, at an offset where they can be used from the mapping. */
static gboolean
can_map (const Loader *loader,
         const Weight *weight)
{
  g_auto(DnH5Handle) create_list = H5Dget_create_plist (weight->dataset);
  g_auto(DnH5Handle) type = H5Dget_type (weight->dataset);
  haddr_t offset = H5Dget_offset (weight->dataset);
  gsize bytes = weight->n_values * sizeof (float);

  return loader->allow_map &&
         G_BYTE_ORDER == G_LITTLE_ENDIAN &&
         create_list >= 0 && type >= 0 &&
         H5Pget_layout (create_list) == H5D_CONTIGUOUS &&
         H5Pget_nfilters (create_list) == 0 &&
         H5Pget_external_count (create_list) == 0 &&
         H5Tequal (type, H5T_IEEE_F32LE) > 0 &&
         offset != HADDR_UNDEF &&
         offset <= loader->size && bytes <= loader->size - offset &&
         offset % G_ALIGNOF (float) == 0 &&
         H5Dget_storage_size (weight->dataset) == bytes;
}

/* Reads the first and the last value through HDF5 and compares them with
 * the mapping: a cheap guard against misreading the file's layout. */
static gboolean
mapping_agrees (const Weight *weight,
                const float  *mapped)
{
  g_auto(DnH5Handle) file_space = H5Dget_space (weight->dataset);
  g_auto(DnH5Handle) memory_space = H5I_INVALID_HID;
  hsize_t points[2 * H5S_MAX_RANK];
  hsize_t n_points = weight->n_values > 1 ? 2 : 1;
  float values[2];

  /* (0, 0, ...) and (dims - 1), one point after the other */
  for (int i = 0; i < weight->rank; i++) {
    points[i] = 0;
    points[weight->rank + i] = weight->dims[i] - 1;
  }
  memory_space = H5Screate_simple (1, &n_points, NULL);
  if (H5Sselect_elements (file_space, H5S_SELECT_SET, n_points, points) < 0 ||
      H5Dread (weight->dataset, H5T_NATIVE_FLOAT, memory_space, file_space, H5P_DEFAULT,
               values) < 0) {
    return FALSE;
  }
  return memcmp (&values[0], &mapped[0], sizeof (float)) == 0 &&
         memcmp (&values[n_points - 1], &mapped[weight->n_values - 1], sizeof (float)) == 0;
}

static gsize
round_up_floats (gsize count)
{
  return (count + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
}

static gboolean
place_weights (Loader  *loader,
               GError **error)
{
  gsize block_floats = 0;
  gsize used = 0;

  /* Map what can be mapped; count what must be read. */
  for (guint i = 0; i < loader->plans->len; i++) {
    LayerPlan *plan = &g_array_index (loader->plans, LayerPlan, i);
    Weight *weights[2] = { &plan->kernel, &plan->bias };

    for (guint w = 0; w < 2 && has_weights (plan); w++) {
      Weight *weight = weights[w];

      if (can_map (loader, weight)) {
        float *mapped = (float *) (loader->bytes + H5Dget_offset (weight->dataset));

        if (mapping_agrees (weight, mapped)) {
          weight->data = mapped;
          weight->mapped = TRUE;
          loader->mapped_bytes += weight->n_values * sizeof (float);
          continue;
        }
        g_debug ("network: dataset “%s” disagrees with its mapping; reading it",
                 weight->name);
      }
      block_floats += round_up_floats (weight->n_values);
    }
  }
  if (block_floats == 0) {
    return TRUE;
  }

  /* One block for everything else, read straight into place. */
  loader->read_block = g_try_malloc (block_floats * sizeof (float));
  if (loader->read_block == NULL) {
    load_error (error, loader, DN_ERROR_IO,
                "not enough memory for %" G_GSIZE_FORMAT " MB of weights",
                block_floats * sizeof (float) / 1000000);
    return FALSE;
  }
  for (guint i = 0; i < loader->plans->len; i++) {
    LayerPlan *plan = &g_array_index (loader->plans, LayerPlan, i);
    Weight *weights[2] = { &plan->kernel, &plan->bias };

    for (guint w = 0; w < 2 && has_weights (plan); w++) {
      Weight *weight = weights[w];

      if (weight->mapped) {
        continue;
      }
      weight->data = loader->read_block + used;
      used += round_up_floats (weight->n_values);
      if (H5Dread (weight->dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                   weight->data) < 0) {
        g_autofree char *detail = hdf5_error_detail ();

        load_error (error, loader, DN_ERROR_FORMAT,
                    "dataset “%s” cannot be read; the file is truncated or damaged (%s)",
                    weight->name, detail);
        return FALSE;
      }
      loader->read_bytes += weight->n_values * sizeof (float);
    }
  }
  return TRUE;
}

/* Everything that touches HDF5, under the lock. Leaves the plans with their
 * shapes checked and their data placed, and every HDF5 object closed. */
static gboolean
load_hdf5 (Loader     *loader,
           DnNetwork  *network,
           GError    **error)
{
  gboolean ok;
  int side = 0;

  g_mutex_lock (&hdf5_lock);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);

  ok = open_hdf5 (loader, error) &&
       find_root (loader, error) &&
       plan_layers (loader, error) &&
       find_input_side (loader, &side, error);
  if (ok) {
    network->input_height = side;
    network->input_width = side;
    network->input_channels = 3;
    ok = check_shapes (loader, network, error) &&
         place_weights (loader, error);
  }

  for (guint i = 0; i < loader->plans->len; i++) {
    LayerPlan *plan = &g_array_index (loader->plans, LayerPlan, i);

    weight_close (&plan->kernel);
    weight_close (&plan->bias);
  }
  if (loader->root >= 0) {
    H5Gclose (loader->root);
  }
  if (loader->file >= 0) {
    H5Fclose (loader->file);
  }
  loader->root = loader->file = H5I_INVALID_HID;
  g_mutex_unlock (&hdf5_lock);
  return ok;
}

/* Step 5: values. */

/* The largest bit pattern of |value| in `values`: a NaN or infinity is one
 * with all exponent bits set, so it shows as a result >= 0x7f800000. */
static inline guint32
largest_magnitude_bits (const float *values,
                        gsize        count)
{
  guint32 largest = 0;

  for (gsize i = 0; i < count; i++) {
    guint32 bits;

    memcpy (&bits, &values[i], sizeof bits);
    bits &= 0x7fffffffu;
    largest = bits > largest ? bits : largest;
  }
  return largest;
}

/* Index of the first NaN or infinity in `values`, or -1. Blocks of a
 * constant size let the compiler vectorise the scan at -O2 (about memory
 * speed); only a block that has one is looked at value by value. */
static gssize
find_non_finite (const float *values,
                 gsize        count)
{
  enum { BLOCK = 4096 };
  gsize start;

  for (start = 0; start < count; start += BLOCK) {
    gboolean suspect = count - start >= BLOCK
                       ? largest_magnitude_bits (values + start, BLOCK) >= 0x7f800000u
                       : largest_magnitude_bits (values + start, count - start) >= 0x7f800000u;

    if (!suspect) {
      continue;
    }
    for (gsize i = start; i < MIN (start + BLOCK, count); i++) {
      if (!isfinite (values[i])) {
        return (gssize) i;
      }
    }
  }
  return -1;
}

static gboolean
check_values (Loader  *loader,
              GError **error)
{
  for (guint i = 0; i < loader->plans->len; i++) {
    LayerPlan *plan = &g_array_index (loader->plans, LayerPlan, i);
    const Weight *weights[2] = { &plan->kernel, &plan->bias };

    for (guint w = 0; w < 2 && has_weights (plan); w++) {
      const Weight *weight = weights[w];
      gssize bad = find_non_finite (weight->data, weight->n_values);

      if (bad >= 0) {
        hsize_t index[H5S_MAX_RANK];
        gsize rest = (gsize) bad;
        g_autofree char *where = NULL;

        for (int d = weight->rank - 1; d >= 0; d--) {
          index[d] = rest % weight->dims[d];
          rest /= weight->dims[d];
        }
        where = format_shape (index, weight->rank);
        load_error (error, loader, DN_ERROR_VALUE, "dataset “%s” contains %s at %s",
                    weight->name, isnan (weight->data[bad]) ? "NaN" : "infinity", where);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static void
take_layers (DnNetwork *network,
             Loader    *loader)
{
  network->n_layers = loader->plans->len;
  network->layers = g_new0 (DnLayer, network->n_layers);
  for (guint i = 0; i < network->n_layers; i++) {
    LayerPlan *plan = &g_array_index (loader->plans, LayerPlan, i);

    network->layers[i] = plan->layer;
    network->layers[i].kernel = plan->kernel.data;
    network->layers[i].bias = plan->bias.data;
    plan->layer.name = NULL;
  }
}

/* Step 6: the conv path of each layer. */

/* Whether a conv layer runs as a Winograd convolution: where that pays
 * (dn_conv3x3_winograd_pays()), unless the environment variable
 * DISCERN_CONV says "im2col" (every layer) or "winograd" (every layer),
 * which the benchmark uses to compare the two. */
static gboolean
uses_winograd (const DnLayer *layer,
               const char    *choice)
{
  if (layer->kind != DN_LAYER_CONV3X3 || g_strcmp0 (choice, "im2col") == 0) {
    return FALSE;
  }
  return g_strcmp0 (choice, "winograd") == 0 ||
         dn_conv3x3_winograd_pays (layer->in_height, layer->in_width,
                                   layer->in_channels, layer->out_channels);
}

/* The block of transformed kernels is aligned to, and asks for, 2 MiB
 * pages: filling VGG16's 122 MB in 4 KiB pages costs more in page faults
 * than the transform itself. */
#define HUGE_PAGE_BYTES ((gsize) 2 << 20)

/* Transforms the kernels of the layers that use Winograd, once, into one
 * block: 4 times the size of their kernels. */
static gboolean
prepare_winograd (DnNetwork  *network,
                  GError    **error)
{
  const char *choice = g_getenv ("DISCERN_CONV");
  gsize total_floats = 0;
  gsize used = 0;

  network->winograd_kernels = g_new0 (const float *, network->n_layers);
  for (guint i = 0; i < network->n_layers; i++) {
    const DnLayer *layer = &network->layers[i];

    if (uses_winograd (layer, choice)) {
      total_floats += round_up_floats (dn_conv3x3_winograd_kernel_floats (
                                         layer->in_channels, layer->out_channels));
    }
  }
  if (total_floats == 0) {
    return TRUE;
  }

  if (posix_memalign ((void **) &network->winograd_block, HUGE_PAGE_BYTES,
                      total_floats * sizeof (float)) != 0) {
    network->winograd_block = NULL;
    g_set_error (error, DN_ERROR, DN_ERROR_IO,
                 "“%s”: not enough memory for %" G_GSIZE_FORMAT " MB of transformed "
                 "conv kernels", network->path, total_floats * sizeof (float) / 1000000);
    return FALSE;
  }
#ifdef MADV_HUGEPAGE
  madvise (network->winograd_block, total_floats * sizeof (float), MADV_HUGEPAGE);
#endif
  for (guint i = 0; i < network->n_layers; i++) {
    const DnLayer *layer = &network->layers[i];
    float *transformed = network->winograd_block + used;

    if (!uses_winograd (layer, choice)) {
      continue;
    }
    dn_conv3x3_winograd_kernel (transformed, layer->kernel, layer->in_channels,
                                layer->out_channels);
    network->winograd_kernels[i] = transformed;
    used += round_up_floats (dn_conv3x3_winograd_kernel_floats (layer->in_channels,
                                                                layer->out_channels));
  }
  return TRUE;
}

DnNetwork *
dn_network_load_with_flags (const char          *path,
                            DnNetworkLoadFlags   flags,
                            GError             **error)
{
  g_autoptr(DnNetwork) network = NULL;
  g_autoptr(GArray) plans = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  Loader loader = { 0 };
  gint64 started = g_get_monotonic_time ();
  gint64 placed;
  gint64 checked;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  plans = g_array_new (FALSE, TRUE, sizeof (LayerPlan));
  g_array_set_clear_func (plans, layer_plan_clear);
  loader.path = path;
  loader.allow_map = (flags & DN_NETWORK_LOAD_NO_MAP) == 0;
  loader.file = loader.root = H5I_INVALID_HID;
  loader.plans = plans;

  network = g_new0 (DnNetwork, 1);
  network->path = g_strdup (path);
  network->scratch_floats = DN_CONV_SCRATCH_FLOATS;

  mapped = map_file (&loader, error);
  if (mapped == NULL) {
    return NULL;
  }
  loader.bytes = g_mapped_file_get_contents (mapped);
  loader.size = g_mapped_file_get_length (mapped);
  if (!has_hdf5_signature (loader.bytes, loader.size)) {
    load_error (error, &loader, DN_ERROR_FORMAT, "not an HDF5 file");
    return NULL;
  }

  /* The block is owned by the network from here on, even on failure. */
  if (!load_hdf5 (&loader, network, error)) {
    network->read_block = loader.read_block;
    return NULL;
  }
  network->read_block = loader.read_block;
  network->read_bytes = loader.read_bytes;
  network->mapped_bytes = loader.mapped_bytes;
  if (loader.mapped_bytes > 0) {
    network->mapped = g_steal_pointer (&mapped);
  }
  placed = g_get_monotonic_time ();

  if (!check_values (&loader, error)) {
    return NULL;
  }
  take_layers (network, &loader);
  checked = g_get_monotonic_time ();
  if (!prepare_winograd (network, error)) {
    return NULL;
  }

  g_debug ("network: loaded “%s”: %u layers, %dx%dx%d in, %d out, %.1f MB mapped, "
           "%.1f MB read, %.1f ms placing + %.1f ms finite check + %.1f ms Winograd "
           "kernels", path, network->n_layers, network->input_height,
           network->input_width, network->input_channels, network->n_classes,
           network->mapped_bytes / 1e6, network->read_bytes / 1e6,
           (placed - started) / 1e3, (checked - placed) / 1e3,
           (g_get_monotonic_time () - checked) / 1e3);
  return g_steal_pointer (&network);
}

DnNetwork *
dn_network_load (const char  *path,
                 GError     **error)
{
  return dn_network_load_with_flags (path, DN_NETWORK_LOAD_DEFAULT, error);
}

void
dn_network_free (DnNetwork *network)
{
  if (network == NULL) {
    return;
  }
  for (guint i = 0; i < network->n_layers; i++) {
    g_free (network->layers[i].name);
  }
  g_free (network->layers);
  g_free (network->winograd_kernels);
  free (network->winograd_block);
  g_free (network->buffers);
  g_free (network->read_block);
  g_clear_pointer (&network->mapped, g_mapped_file_unref);
  g_free (network->path);
  g_free (network);
}

guint
dn_network_get_n_layers (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->n_layers;
}

const DnLayer *
dn_network_get_layer (const DnNetwork *network,
                      guint            index)
{
  g_return_val_if_fail (network != NULL, NULL);
  g_return_val_if_fail (index < network->n_layers, NULL);

  return &network->layers[index];
}

int
dn_network_get_input_height (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->input_height;
}

int
dn_network_get_input_width (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->input_width;
}

int
dn_network_get_input_channels (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->input_channels;
}

int
dn_network_get_n_classes (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->n_classes;
}

gsize
dn_network_get_n_parameters (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->n_parameters;
}

gsize
dn_network_get_mapped_bytes (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->mapped_bytes;
}

gsize
dn_network_get_read_bytes (const DnNetwork *network)
{
  g_return_val_if_fail (network != NULL, 0);

  return network->read_bytes;
}

void
dn_network_set_layer_timer (DnNetwork    *network,
                            DnLayerTimer  timer,
                            gpointer      user_data)
{
  g_return_if_fail (network != NULL);

  network->timer = timer;
  network->timer_data = user_data;
}

/* The forward pass. */

/* Makes room for a batch of `n`: two activation buffers of
 * (n, largest_activation) and the conv scratch, carved from one block that
 * only grows. */
static gboolean
ensure_buffers (DnNetwork  *network,
                int         n,
                GError    **error)
{
  gsize activation_floats;
  gsize total_floats;
  gsize bytes;
  float *block = NULL;

  if (n <= network->batch_capacity) {
    return TRUE;
  }
  if (g_size_checked_mul (&activation_floats,
                          round_up_floats (network->largest_activation), (gsize) n) &&
      g_size_checked_mul (&total_floats, activation_floats, 2) &&
      g_size_checked_add (&total_floats, total_floats, network->scratch_floats) &&
      g_size_checked_mul (&bytes, total_floats, sizeof (float))) {
    block = g_try_malloc (bytes);
  }
  if (block == NULL) {
    g_set_error (error, DN_ERROR, DN_ERROR_IO,
                 "Not enough memory to run “%s” on a batch of %d images", network->path, n);
    return FALSE;
  }

  g_free (network->buffers);
  network->buffers = block;
  network->batch_capacity = n;
  network->activations[0] = block;
  network->activations[1] = block + activation_floats;
  network->scratch = block + 2 * activation_floats;
  return TRUE;
}

/* Runs one layer.
 *   out (n, out_height, out_width, out_channels)
 *   in  (n, in_height, in_width, in_channels) */
static void
run_layer (DnNetwork     *network,
           const DnLayer *layer,
           float         *out,
           const float   *in,
           int            n,
           gboolean       reference)
{
  const float *winograd_kernel = network->winograd_kernels[layer - network->layers];

  switch (layer->kind) {
  case DN_LAYER_CONV3X3:
    if (reference) {
      dn_conv3x3_reference (out, in, layer->kernel, layer->bias, n, layer->in_height,
                            layer->in_width, layer->in_channels, layer->out_channels);
    } else if (winograd_kernel != NULL) {
      dn_conv3x3_winograd_forward (out, in, winograd_kernel, layer->bias, n,
                                   layer->in_height, layer->in_width, layer->in_channels,
                                   layer->out_channels, network->scratch,
                                   network->scratch_floats);
    } else {
      dn_conv3x3_forward (out, in, layer->kernel, layer->bias, n, layer->in_height,
                          layer->in_width, layer->in_channels, layer->out_channels,
                          network->scratch, network->scratch_floats);
    }
    break;
  case DN_LAYER_MAXPOOL2X2:
    if (reference) {
      dn_maxpool2x2_reference (out, in, n, layer->in_height, layer->in_width,
                               layer->in_channels);
    } else {
      dn_maxpool2x2_forward (out, in, n, layer->in_height, layer->in_width,
                             layer->in_channels);
    }
    break;
  case DN_LAYER_FLATTEN:
    /* NHWC is already flat in channels-last order; only the last layer
     * needs its values moved to the caller's buffer. */
    memcpy (out, in, (gsize) n * layer->out_channels * sizeof (float));
    break;
  case DN_LAYER_DENSE:
    if (reference) {
      dn_dense_reference (out, in, layer->kernel, layer->bias, n, layer->in_channels,
                          layer->out_channels, !layer->softmax);
    } else {
      dn_dense_forward (out, in, layer->kernel, layer->bias, n, layer->in_channels,
                        layer->out_channels, !layer->softmax);
    }
    if (layer->softmax && reference) {
      dn_softmax_reference (out, out, n, layer->out_channels);
    } else if (layer->softmax) {
      dn_softmax_forward (out, out, n, layer->out_channels);
    }
    break;
  default:
    g_assert_not_reached ();
  }
}

static gboolean
run_forward (DnNetwork     *network,
             float         *probabilities,
             const float   *input,
             int            n,
             gboolean       reference,
             GCancellable  *cancellable,
             GError       **error)
{
  const float *current = input;
  guint next = 0;

  if (!ensure_buffers (network, n, error)) {
    return FALSE;
  }

  for (guint i = 0; i < network->n_layers; i++) {
    const DnLayer *layer = &network->layers[i];
    gboolean last = i + 1 == network->n_layers;
    gint64 started = network->timer != NULL ? g_get_monotonic_time () : 0;

    if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
      return FALSE;
    }
    if (last) {
      run_layer (network, layer, probabilities, current, n, reference);
    } else if (layer->kind != DN_LAYER_FLATTEN) {
      run_layer (network, layer, network->activations[next], current, n, reference);
      current = network->activations[next];
      next ^= 1;
    }
    if (network->timer != NULL) {
      network->timer (i, (g_get_monotonic_time () - started) / 1e6, network->timer_data);
    }
  }
  return TRUE;
}

gboolean
dn_network_forward (DnNetwork     *network,
                    float         *probabilities,
                    const float   *input,
                    int            n,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (network != NULL, FALSE);
  g_return_val_if_fail (probabilities != NULL, FALSE);
  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (n >= 1, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_forward (network, probabilities, input, n, FALSE, cancellable, error);
}

gboolean
dn_network_forward_reference (DnNetwork     *network,
                              float         *probabilities,
                              const float   *input,
                              int            n,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (network != NULL, FALSE);
  g_return_val_if_fail (probabilities != NULL, FALSE);
  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (n >= 1, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_forward (network, probabilities, input, n, TRUE, cancellable, error);
}
