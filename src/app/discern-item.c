/* discern-item.c: one picture, from its source to its predictions
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An item runs its own pipeline: download (links only), decode on a
 * thread, wait for the network, make the network's input on a thread, then
 * queue it on the classifier. Each run has a cancellable; starting again
 * or removing the item cancels it, and anything that arrives for a
 * cancelled run is dropped.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "discern-item.h"

#include "discern-app-private.h"
#include "discern-download.h"
#include "discern-fetch.h"
#include "discern-image.h"
#include "discern-source-error.h"
#include "dn-error.h"

/* The picture shown in the detail view and the square thumbnail are
 * scaled copies, so that a 50-megapixel photo does not stay in memory. */
#define PICTURE_MAX_SIDE   1024
#define THUMBNAIL_MAX_SIDE 128

struct _DiscernItem
{
  GObject            parent_instance;

  /* the source: a file, a link or a texture */
  GFile             *file;
  char              *url;
  GdkTexture        *texture;
  GBytes            *body;
  char              *title;
  char              *location;

  /* owned for the runs */
  DiscernClassifier *classifier;
  SoupSession       *session;
  GCancellable      *cancellable;
  DiscernImage      *image;
  gulong             model_handler;
  gulong             classifying_handler;

  /* state */
  DnResizeMode       mode;
  DiscernItemState   state;
  double             progress;
  GdkTexture        *thumbnail;
  GdkTexture        *picture;
  int                picture_width;
  int                picture_height;
  GdkTexture        *input;
  DiscernResult     *result;
  char              *error_message;
  char              *error_details;
  gboolean           removed;
};

/* What the first bytes of a file that could not be decoded look like, to
 * say more than "not a picture". */
typedef enum {
  SNIFFED_NOTHING,
  SNIFFED_EMPTY,
  SNIFFED_WEB_PAGE,
  SNIFFED_TEXT,
  SNIFFED_IMAGE,     /* a picture format with no decoder here */
} Sniffed;

/* How much of a file is looked at to tell what it is. */
#define SNIFF_SIZE 4096

typedef struct {
  GFile      *file;
  GBytes     *body;
  GdkTexture *texture;

  /* set by the thread when decoding failed */
  Sniffed     sniffed;
  char       *format;      /* for SNIFFED_IMAGE: “AVIF image” */
} DecodeData;

typedef struct {
  DiscernImage *image;
  GdkTexture   *picture;
  GdkTexture   *thumbnail;
} Decoded;

typedef struct {
  DiscernImage *image;
  int           width;
  int           height;
  DnResizeMode  mode;
} InputData;

typedef struct {
  GBytes *rgb;
  GBytes *tensor;
  int     width;
  int     height;
} Input;

G_DEFINE_FINAL_TYPE (DiscernItem, discern_item, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (DiscernItemState, discern_item_state,
  G_DEFINE_ENUM_VALUE (DISCERN_ITEM_STATE_DOWNLOADING, "downloading"),
  G_DEFINE_ENUM_VALUE (DISCERN_ITEM_STATE_OPENING, "opening"),
  G_DEFINE_ENUM_VALUE (DISCERN_ITEM_STATE_WAITING, "waiting"),
  G_DEFINE_ENUM_VALUE (DISCERN_ITEM_STATE_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (DISCERN_ITEM_STATE_CLASSIFYING, "classifying"),
  G_DEFINE_ENUM_VALUE (DISCERN_ITEM_STATE_DONE, "done"),
  G_DEFINE_ENUM_VALUE (DISCERN_ITEM_STATE_FAILED, "failed"))

enum {
  PROP_0,
  PROP_TITLE,
  PROP_LOCATION,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_THUMBNAIL,
  PROP_PICTURE,
  PROP_INPUT,
  PROP_RESULT,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void decode (DiscernItem *self);

static void make_input (DiscernItem *self);

static void
decode_data_free (DecodeData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->body, g_bytes_unref);
  g_clear_object (&data->texture);
  g_free (data->format);
  g_free (data);
}

static void
decoded_free (Decoded *decoded)
{
  g_clear_pointer (&decoded->image, discern_image_free);
  g_clear_object (&decoded->picture);
  g_clear_object (&decoded->thumbnail);
  g_free (decoded);
}

static void
input_data_free (InputData *data)
{
  g_clear_pointer (&data->image, discern_image_free);
  g_free (data);
}

static void
input_free (Input *input)
{
  g_clear_pointer (&input->rgb, g_bytes_unref);
  g_clear_pointer (&input->tensor, g_bytes_unref);
  g_free (input);
}

static void
set_state (DiscernItem      *self,
           DiscernItemState  state)
{
  if (self->state == state) {
    return;
  }

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_progress (DiscernItem *self,
              double       progress)
{
  if (self->progress == progress) {
    return;
  }

  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
set_texture (DiscernItem  *self,
             GdkTexture  **field,
             GdkTexture   *texture,
             guint         prop_id)
{
  if (g_set_object (field, texture)) {
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  }
}

/* The status in discern_fetch_url()'s "The server answered 404 Not Found",
 * or 0. */
static guint
find_http_status (const char *message)
{
  const char *answered = strstr (message, "answered ");
  guint64 status;

  if (answered == NULL) {
    return 0;
  }

  status = g_ascii_strtoull (answered + strlen ("answered "), NULL, 10);
  return status >= 100 && status <= 599 ? status : 0;
}

/* Short, and different from the first words on, as the list shows them
 * in one or two lines. */
static char *
describe_http_status (guint status)
{
  if (status == 404 || status == 410) {
    return g_strdup_printf (_("There is no picture at this address (HTTP status %u)."),
                            status);
  }
  if (status == 401 || status == 403) {
    return g_strdup_printf (_("The server refuses to give the picture (HTTP status %u)."),
                            status);
  }
  if (status >= 500) {
    return g_strdup_printf (_("The server has a problem (HTTP status %u)."), status);
  }

  return g_strdup_printf (_("The server answered with HTTP status %u."), status);
}

/* The download's message tells a silent server from a slow one and from
 * a connection cut short. */
static char *
describe_network_error (const char *message)
{
  if (strstr (message, "did not answer") != NULL) {
    return g_strdup (_("The server did not answer in time."));
  }
  if (strstr (message, "too slowly") != NULL) {
    return g_strdup (_("The server sent too slowly; the download was stopped."));
  }
  if (strstr (message, "cut short") != NULL || strstr (message, "stopped sending") != NULL) {
    return g_strdup (_("The download was cut short."));
  }
  if (strstr (message, "packed") != NULL) {
    return g_strdup (_("The server packed the picture in a way that cannot be undone "
                       "here."));
  }

  return g_strdup (_("The server could not be reached."));
}

/* One sentence per failure class a person can act on; the raw message
 * goes to the details. */
static char *
describe_sniffed (const DecodeData *data)
{
  switch (data->sniffed) {
  case SNIFFED_EMPTY:
    return g_strdup (_("The file is empty."));
  case SNIFFED_WEB_PAGE:
    return g_strdup (_("This is a web page, not a picture."));
  case SNIFFED_TEXT:
    return g_strdup (_("This is text, not a picture."));
  case SNIFFED_IMAGE:
    /* Translators: %s is a format's name, e.g. “AVIF image” */
    return g_strdup_printf (_("This %s cannot be opened: no decoder for it is installed."),
                            data->format);
  case SNIFFED_NOTHING:
  default:
    return NULL;
  }
}

static char *
describe_error (const GError     *error,
                gboolean          downloading,
                const DecodeData *decoding)
{
  char *sniffed = decoding != NULL ? describe_sniffed (decoding) : NULL;
  guint status;

  if (sniffed != NULL) {
    return sniffed;
  }

  if (error->domain == DN_ERROR) {
    return g_strdup (_("The network could not classify this picture."));
  }
  if (error->domain != DISCERN_SOURCE_ERROR) {
    return g_strdup (_("The picture could not be opened."));
  }

  switch ((DiscernSourceError) error->code) {
  case DISCERN_SOURCE_ERROR_NOT_FOUND:
    return g_strdup (_("The file does not exist."));
  case DISCERN_SOURCE_ERROR_READ:
    return g_strdup (_("The file could not be read."));
  case DISCERN_SOURCE_ERROR_NOT_IMAGE:
    /* Downloads refuse web pages before they are decoded. */
    if (downloading) {
      return g_strdup (_("The link leads to a web page, not a picture."));
    }
    return g_strdup (_("This is not a picture."));
  case DISCERN_SOURCE_ERROR_UNSUPPORTED:
    return g_strdup (_("The file is damaged or in a format that is not known here."));
  case DISCERN_SOURCE_ERROR_CORRUPT:
    return g_strdup (_("The picture is damaged."));
  case DISCERN_SOURCE_ERROR_TOO_LARGE:
    if (downloading) {
      return g_strdup (_("The download is too large."));
    }
    return g_strdup (_("The picture is too large."));
  case DISCERN_SOURCE_ERROR_BAD_URL:
    return g_strdup (_("This link cannot be opened; only http, https and data links can."));
  case DISCERN_SOURCE_ERROR_HTTP:
    status = find_http_status (error->message);
    if (status != 0) {
      return describe_http_status (status);
    }
    if (strstr (error->message, "elsewhere") != NULL) {
      return g_strdup (_("The link sends the download elsewhere too many times."));
    }
    return g_strdup (_("The server answered with an error."));
  case DISCERN_SOURCE_ERROR_NETWORK:
    return describe_network_error (error->message);
  case DISCERN_SOURCE_ERROR_MODEL_MISSING:
  case DISCERN_SOURCE_ERROR_NO_SPACE:
  case DISCERN_SOURCE_ERROR_CHECKSUM:
  default:
    return g_strdup (_("The picture could not be opened."));
  }
}

static char *
describe_best_guess (DiscernResult *result)
{
  g_autofree char *name = NULL;
  guint top;

  if (result == NULL) {
    return g_strdup ("");
  }

  top = discern_result_get_top_class (result, 0);
  name = discern_result_display_name (discern_result_get_name (result, top));

  /* Translators: the most probable class and its probability,
   * e.g. “tabby — 63 %” */
  return g_strdup_printf (_("%s — %.0f %%"), name,
                          discern_result_get_probability (result, top) * 100);
}

static void
fail (DiscernItem      *self,
      const GError     *error,
      gboolean          downloading,
      const DecodeData *decoding)
{
  g_debug ("item: %s failed: %s", self->title, error->message);

  g_free (self->error_message);
  self->error_message = describe_error (error, downloading, decoding);
  g_free (self->error_details);
  self->error_details = g_strdup (error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  set_state (self, DISCERN_ITEM_STATE_FAILED);
}

static GdkTexture *
texture_from_pixbuf (GdkPixbuf *pixbuf)
{
  g_autoptr(GBytes) bytes = gdk_pixbuf_read_pixel_bytes (pixbuf);

  return gdk_memory_texture_new (gdk_pixbuf_get_width (pixbuf),
                                 gdk_pixbuf_get_height (pixbuf),
                                 GDK_MEMORY_R8G8B8,
                                 bytes,
                                 gdk_pixbuf_get_rowstride (pixbuf));
}

/* Runs on a worker thread. */
static GdkTexture *
scaled_texture (const DiscernImage *image,
                int                 max_side)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  double scale = MIN (1.0, (double) max_side / MAX (image->width, image->height));
  int width = MAX (1, (int) (image->width * scale + 0.5));
  int height = MAX (1, (int) (image->height * scale + 0.5));

  pixbuf = gdk_pixbuf_new_from_data (image->pixels, GDK_COLORSPACE_RGB, FALSE, 8,
                                     image->width, image->height, image->width * 3,
                                     NULL, NULL);
  scaled = gdk_pixbuf_scale_simple (pixbuf, width, height, GDK_INTERP_BILINEAR);
  if (scaled == NULL) {
    return NULL;
  }

  return texture_from_pixbuf (scaled);
}

/* Runs on a worker thread: the largest centred square, scaled to `side`. */
static GdkTexture *
square_texture (const DiscernImage *image,
                int                 side)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) square = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  int crop = MIN (image->width, image->height);

  pixbuf = gdk_pixbuf_new_from_data (image->pixels, GDK_COLORSPACE_RGB, FALSE, 8,
                                     image->width, image->height, image->width * 3,
                                     NULL, NULL);
  square = gdk_pixbuf_new_subpixbuf (pixbuf, (image->width - crop) / 2,
                                     (image->height - crop) / 2, crop, crop);
  scaled = gdk_pixbuf_scale_simple (square, MIN (side, crop), MIN (side, crop),
                                    GDK_INTERP_BILINEAR);
  if (scaled == NULL) {
    return NULL;
  }

  return texture_from_pixbuf (scaled);
}

/* Runs on a worker thread. */
static DiscernImage *
decode_source (DecodeData   *data,
               GCancellable *cancellable,
               GError      **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (data->body != NULL) {
    return discern_image_new_from_bytes (data->body, error);
  }

  if (data->texture != NULL) {
    bytes = gdk_texture_save_to_png_bytes (data->texture);
    return discern_image_new_from_bytes (bytes, error);
  }

  path = g_file_get_path (data->file);
  if (path != NULL) {
    return discern_image_new_from_file (path, error);
  }

  /* Files behind GVfs (a phone, a network share) have no local path. */
  bytes = g_file_load_bytes (data->file, cancellable, NULL, error);
  if (bytes == NULL) {
    return NULL;
  }

  return discern_image_new_from_bytes (bytes, error);
}

/* Runs on a worker thread: the first bytes of what was to be decoded. */
static GBytes *
read_start (DecodeData   *data,
            GCancellable *cancellable)
{
  g_autoptr(GFileInputStream) stream = NULL;

  if (data->body != NULL) {
    return g_bytes_new_from_bytes (data->body, 0,
                                   MIN (g_bytes_get_size (data->body), SNIFF_SIZE));
  }
  if (data->file == NULL) {
    return NULL;
  }

  stream = g_file_read (data->file, cancellable, NULL);
  if (stream == NULL) {
    return NULL;
  }
  return g_input_stream_read_bytes (G_INPUT_STREAM (stream), SNIFF_SIZE, cancellable, NULL);
}

static gboolean
looks_like_web_page (const char *start,
                     gsize       size)
{
  g_autofree char *lower = g_ascii_strdown (start, size);

  return strstr (lower, "<html") != NULL || strstr (lower, "<!doctype html") != NULL
         || strstr (lower, "<head") != NULL || strstr (lower, "<body") != NULL;
}

/* Runs on a worker thread, for a file that is no picture or in a format
 * no loader here knows: what it is instead. */
static void
sniff (DecodeData   *data,
       GCancellable *cancellable)
{
  g_autoptr(GBytes) start = read_start (data, cancellable);
  g_autofree char *type = NULL;
  g_autofree char *mime = NULL;
  const char *bytes;
  const char *valid_end;
  gsize size;

  if (start == NULL) {
    return;
  }

  bytes = g_bytes_get_data (start, &size);
  if (size == 0) {
    data->sniffed = SNIFFED_EMPTY;
    return;
  }
  if (memchr (bytes, '\0', size) == NULL && looks_like_web_page (bytes, size)) {
    data->sniffed = SNIFFED_WEB_PAGE;
    return;
  }

  type = g_content_type_guess (NULL, (const guchar *) bytes, size, NULL);
  mime = g_content_type_get_mime_type (type);
  if (mime != NULL && g_str_has_prefix (mime, "image/")) {
    data->sniffed = SNIFFED_IMAGE;
    data->format = g_content_type_get_description (type);
    return;
  }

  /* Text, but for a character the sniffed part may cut at its end. */
  g_utf8_validate (bytes, size, &valid_end);
  if (memchr (bytes, '\0', size) == NULL
      && (valid_end == bytes + size || (size == SNIFF_SIZE && valid_end >= bytes + size - 3))) {
    data->sniffed = SNIFFED_TEXT;
  }
}

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  Decoded *decoded = g_new0 (Decoded, 1);

  decoded->image = decode_source (task_data, cancellable, &error);
  if (decoded->image == NULL) {
    if (g_error_matches (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE)
        || g_error_matches (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_UNSUPPORTED)) {
      sniff (task_data, cancellable);
    }
    decoded_free (decoded);
    g_task_return_error (task, error);
    return;
  }

  decoded->picture = scaled_texture (decoded->image, PICTURE_MAX_SIDE);
  decoded->thumbnail = square_texture (decoded->image, THUMBNAIL_MAX_SIDE);
  if (decoded->picture == NULL || decoded->thumbnail == NULL) {
    decoded_free (decoded);
    g_task_return_new_error (task, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                             "Not enough memory to scale the picture");
    return;
  }

  g_task_return_pointer (task, decoded, (GDestroyNotify) decoded_free);
}

static void
input_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  InputData *data = task_data;
  gsize n_values = (gsize) data->width * data->height * 3;
  guint8 *rgb = g_malloc (n_values);
  float *tensor = g_new (float, n_values);
  Input *input = g_new0 (Input, 1);

  dn_resize_rgb8 (rgb, data->image->pixels, data->width, data->height,
                  data->image->width, data->image->height, data->image->width * 3,
                  data->mode);
  dn_preprocess_caffe (tensor, rgb, data->width, data->height);

  input->width = data->width;
  input->height = data->height;
  input->rgb = g_bytes_new_take (rgb, n_values);
  input->tensor = g_bytes_new_take (tensor, n_values * sizeof (float));
  g_task_return_pointer (task, input, (GDestroyNotify) input_free);
}

static void
classified_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(DiscernItem) self = user_data;
  g_autoptr(DiscernResult) ranked = NULL;
  g_autoptr(GError) error = NULL;

  ranked = discern_classifier_classify_finish (DISCERN_CLASSIFIER (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    return;
  }
  if (ranked == NULL) {
    fail (self, error, FALSE, NULL);
    return;
  }

  g_clear_pointer (&self->result, discern_result_unref);
  self->result = g_steal_pointer (&ranked);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
  set_state (self, DISCERN_ITEM_STATE_DONE);
}

static void
classifying_cb (DiscernItem       *self,
                GCancellable      *cancellable,
                DiscernClassifier *classifier)
{
  if (cancellable == self->cancellable && self->state == DISCERN_ITEM_STATE_QUEUED) {
    set_state (self, DISCERN_ITEM_STATE_CLASSIFYING);
  }
}

static void
input_made_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  DiscernItem *self = DISCERN_ITEM (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  Input *input;

  input = g_task_propagate_pointer (G_TASK (result), &error);
  if (input == NULL) {
    return;
  }

  texture = gdk_memory_texture_new (input->width, input->height, GDK_MEMORY_R8G8B8,
                                    input->rgb, input->width * 3);
  set_texture (self, &self->input, texture, PROP_INPUT);

  discern_classifier_classify_async (self->classifier, input->tensor, self->cancellable,
                                     classified_cb, g_object_ref (self));
  input_free (input);
}

static void
make_input (DiscernItem *self)
{
  g_autoptr(GTask) task = NULL;
  InputData *data;

  set_state (self, DISCERN_ITEM_STATE_QUEUED);

  data = g_new0 (InputData, 1);
  data->image = g_steal_pointer (&self->image);
  data->width = discern_classifier_get_input_width (self->classifier);
  data->height = discern_classifier_get_input_height (self->classifier);
  data->mode = self->mode;

  task = g_task_new (self, self->cancellable, input_made_cb, NULL);
  g_task_set_source_tag (task, make_input);
  g_task_set_task_data (task, data, (GDestroyNotify) input_data_free);
  _discern_run_in_pool (task, input_thread);
}

static void
model_state_cb (DiscernItem       *self,
                GParamSpec        *pspec,
                DiscernClassifier *classifier)
{
  if (discern_classifier_get_state (classifier) != DISCERN_MODEL_STATE_READY) {
    return;
  }

  g_clear_signal_handler (&self->model_handler, classifier);
  decode (self);
}

static void
classify_when_ready (DiscernItem *self)
{
  if (discern_classifier_get_state (self->classifier) == DISCERN_MODEL_STATE_READY) {
    make_input (self);
    return;
  }

  /* The model may take long to come (a download, a folder to choose):
   * the decoded picture is not kept meanwhile, only what is shown. */
  g_clear_pointer (&self->image, discern_image_free);
  set_state (self, DISCERN_ITEM_STATE_WAITING);
  self->model_handler = g_signal_connect_object (self->classifier, "notify::state",
                                                 G_CALLBACK (model_state_cb), self,
                                                 G_CONNECT_SWAPPED);
}

static void
decoded_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  DiscernItem *self = DISCERN_ITEM (object);
  g_autoptr(GError) error = NULL;
  Decoded *decoded;

  decoded = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    return;
  }
  if (decoded == NULL) {
    fail (self, error, FALSE, g_task_get_task_data (G_TASK (result)));
    return;
  }

  g_clear_pointer (&self->image, discern_image_free);
  self->image = g_steal_pointer (&decoded->image);
  self->picture_width = self->image->width;
  self->picture_height = self->image->height;
  set_texture (self, &self->thumbnail, decoded->thumbnail, PROP_THUMBNAIL);
  set_texture (self, &self->picture, decoded->picture, PROP_PICTURE);
  decoded_free (decoded);

  classify_when_ready (self);
}

static void
decode (DiscernItem *self)
{
  g_autoptr(GTask) task = NULL;
  DecodeData *data;

  set_state (self, DISCERN_ITEM_STATE_OPENING);

  data = g_new0 (DecodeData, 1);
  g_set_object (&data->file, self->file);
  g_set_object (&data->texture, self->texture);
  data->body = self->body != NULL ? g_bytes_ref (self->body) : NULL;

  task = g_task_new (self, self->cancellable, decoded_cb, NULL);
  g_task_set_source_tag (task, decode);
  g_task_set_task_data (task, data, (GDestroyNotify) decode_data_free);
  _discern_run_in_pool (task, decode_thread);
}

static void
download_progress_cb (goffset  received,
                      goffset  total,
                      gpointer user_data)
{
  DiscernItem *self = user_data;

  set_progress (self, total > 0 ? (double) received / total : -1.0);
}

static void
downloaded_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(DiscernItem) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  body = discern_download_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    return;
  }
  if (body == NULL) {
    fail (self, error, TRUE, NULL);
    return;
  }

  self->body = g_steal_pointer (&body);
  decode (self);
}

static char *
title_for_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;
  const char *slash;

  if (g_ascii_strncasecmp (url, "data:", 5) == 0) {
    return g_strdup (_("Embedded Picture"));
  }

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  path = uri != NULL ? g_uri_get_path (uri) : NULL;

  if (path == NULL || path[0] == '\0' || g_str_equal (path, "/")) {
    return g_strdup (uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : url);
  }

  slash = strrchr (path, '/');
  if (slash != NULL && slash[1] != '\0') {
    path = slash + 1;
  }

  return g_uri_unescape_string (path, NULL);
}

static void
discern_item_dispose (GObject *object)
{
  DiscernItem *self = DISCERN_ITEM (object);

  discern_item_cancel (self);
  if (self->classifier != NULL) {
    g_clear_signal_handler (&self->model_handler, self->classifier);
    g_clear_signal_handler (&self->classifying_handler, self->classifier);
  }
  g_clear_object (&self->classifier);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->picture);
  g_clear_object (&self->input);
  g_clear_object (&self->texture);
  g_clear_object (&self->file);

  G_OBJECT_CLASS (discern_item_parent_class)->dispose (object);
}

static void
discern_item_finalize (GObject *object)
{
  DiscernItem *self = DISCERN_ITEM (object);

  g_clear_pointer (&self->image, discern_image_free);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_clear_pointer (&self->result, discern_result_unref);
  g_free (self->url);
  g_free (self->title);
  g_free (self->location);
  g_free (self->error_message);
  g_free (self->error_details);

  G_OBJECT_CLASS (discern_item_parent_class)->finalize (object);
}

static void
discern_item_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DiscernItem *self = DISCERN_ITEM (object);

  switch (prop_id) {
  case PROP_TITLE:
    g_value_set_string (value, self->title);
    break;

  case PROP_LOCATION:
    g_value_set_string (value, self->location);
    break;

  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;

  case PROP_PROGRESS:
    g_value_set_double (value, self->progress);
    break;

  case PROP_THUMBNAIL:
    g_value_set_object (value, self->thumbnail);
    break;

  case PROP_PICTURE:
    g_value_set_object (value, self->picture);
    break;

  case PROP_INPUT:
    g_value_set_object (value, self->input);
    break;

  case PROP_RESULT:
    g_value_set_boxed (value, self->result);
    break;

  case PROP_ERROR_MESSAGE:
    g_value_set_string (value, self->error_message);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_item_class_init (DiscernItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = discern_item_dispose;
  object_class->finalize = discern_item_finalize;
  object_class->get_property = discern_item_get_property;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_LOCATION] = g_param_spec_string ("location", NULL, NULL, NULL, flags);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       DISCERN_TYPE_ITEM_STATE, DISCERN_ITEM_STATE_OPENING, flags);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, -1.0, flags);
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE, flags);
  properties[PROP_PICTURE] =
    g_param_spec_object ("picture", NULL, NULL, GDK_TYPE_TEXTURE, flags);
  properties[PROP_INPUT] =
    g_param_spec_object ("input", NULL, NULL, GDK_TYPE_TEXTURE, flags);
  properties[PROP_RESULT] =
    g_param_spec_boxed ("result", NULL, NULL, DISCERN_TYPE_RESULT, flags);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
discern_item_init (DiscernItem *self)
{
  self->state = DISCERN_ITEM_STATE_OPENING;
  self->progress = -1.0;
}

DiscernItem *
discern_item_new_for_file (GFile *file)
{
  DiscernItem *self;
  g_autofree char *path = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (DISCERN_TYPE_ITEM, NULL);
  self->file = g_object_ref (file);
  path = g_file_get_path (file);
  if (path != NULL) {
    self->title = g_filename_display_basename (path);
    self->location = g_filename_display_name (path);
  } else {
    g_autofree char *uri = g_file_get_uri (file);

    self->title = title_for_url (uri);
    self->location = g_file_get_parse_name (file);
  }

  return self;
}

DiscernItem *
discern_item_new_for_url (const char *url)
{
  DiscernItem *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (DISCERN_TYPE_ITEM, NULL);
  self->url = g_strdup (url);
  self->title = title_for_url (url);
  self->location = discern_fetch_display_url (url);
  self->state = DISCERN_ITEM_STATE_DOWNLOADING;

  return self;
}

DiscernItem *
discern_item_new_for_texture (GdkTexture *texture,
                              const char *title)
{
  DiscernItem *self;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), NULL);
  g_return_val_if_fail (title != NULL, NULL);

  self = g_object_new (DISCERN_TYPE_ITEM, NULL);
  self->texture = g_object_ref (texture);
  self->title = g_strdup (title);
  self->location = g_strdup (title);

  return self;
}

/* Runs the pipeline, or runs it again (after the resize mode changed):
 * the previous run is cancelled, and what it showed stays until the new
 * results arrive. */
void
discern_item_start (DiscernItem       *self,
                    DiscernClassifier *classifier,
                    SoupSession       *session,
                    DnResizeMode       mode)
{
  g_return_if_fail (DISCERN_IS_ITEM (self));
  g_return_if_fail (DISCERN_IS_CLASSIFIER (classifier));
  g_return_if_fail (SOUP_IS_SESSION (session));

  if (self->removed) {
    return;
  }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->classifier != classifier) {
    if (self->classifier != NULL) {
      g_clear_signal_handler (&self->classifying_handler, self->classifier);
    }
    g_set_object (&self->classifier, classifier);
    self->classifying_handler = g_signal_connect_object (classifier, "classifying",
                                                         G_CALLBACK (classifying_cb), self,
                                                         G_CONNECT_SWAPPED);
  }
  g_clear_signal_handler (&self->model_handler, self->classifier);
  g_set_object (&self->session, session);
  self->mode = mode;
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->error_details, g_free);

  if (self->url != NULL && self->body == NULL) {
    set_progress (self, -1.0);
    set_state (self, DISCERN_ITEM_STATE_DOWNLOADING);
    discern_download_async (session, self->url, download_progress_cb, self,
                            self->cancellable, downloaded_cb, g_object_ref (self));
    return;
  }

  decode (self);
}

/* For an item taken out of the window: stops its work for good. */
void
discern_item_cancel (DiscernItem *self)
{
  g_return_if_fail (DISCERN_IS_ITEM (self));

  self->removed = TRUE;
  g_cancellable_cancel (self->cancellable);
}

const char *
discern_item_get_title (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->title;
}

/* The path, link or name that the exports write in their "file" column. */
const char *
discern_item_get_location (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->location;
}

DiscernItemState
discern_item_get_state (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), DISCERN_ITEM_STATE_FAILED);

  return self->state;
}

gboolean
discern_item_is_busy (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), FALSE);

  return self->state != DISCERN_ITEM_STATE_DONE && self->state != DISCERN_ITEM_STATE_FAILED;
}

/* The fraction downloaded, or -1 when unknown or not downloading. */
double
discern_item_get_progress (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), -1.0);

  return self->progress;
}

GdkTexture *
discern_item_get_thumbnail (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->thumbnail;
}

GdkTexture *
discern_item_get_picture (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->picture;
}

/* The size of the decoded picture, before any scaling for display. */
void
discern_item_get_picture_size (DiscernItem *self,
                               int         *width,
                               int         *height)
{
  g_return_if_fail (DISCERN_IS_ITEM (self));

  if (width != NULL) {
    *width = self->picture_width;
  }
  if (height != NULL) {
    *height = self->picture_height;
  }
}

/* The picture the network sees: its input size, not smoothed. */
GdkTexture *
discern_item_get_input (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->input;
}

DiscernResult *
discern_item_get_result (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->result;
}

const char *
discern_item_get_error_message (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->error_message;
}

const char *
discern_item_get_error_details (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  return self->error_details;
}

/* What the item is doing, in a few words, or its best guess when done. */
char *
discern_item_dup_status_text (DiscernItem *self)
{
  g_return_val_if_fail (DISCERN_IS_ITEM (self), NULL);

  switch (self->state) {
  case DISCERN_ITEM_STATE_DOWNLOADING:
    if (self->progress >= 0) {
      /* Translators: a download's progress, e.g. “Downloading… 45 %” */
      return g_strdup_printf (_("Downloading… %.0f %%"), self->progress * 100);
    }
    return g_strdup (_("Downloading…"));
  case DISCERN_ITEM_STATE_OPENING:
    return g_strdup (_("Opening…"));
  case DISCERN_ITEM_STATE_WAITING:
    return g_strdup (_("Waiting for the network"));
  case DISCERN_ITEM_STATE_QUEUED:
    return g_strdup (_("Queued"));
  case DISCERN_ITEM_STATE_CLASSIFYING:
    return g_strdup (_("Classifying…"));
  case DISCERN_ITEM_STATE_FAILED:
    return g_strdup (self->error_message);
  case DISCERN_ITEM_STATE_DONE:
  default:
    break;
  }

  return describe_best_guess (self->result);
}
