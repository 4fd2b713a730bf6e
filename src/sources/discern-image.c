/* discern-image.c: checked 8-bit RGB pixels from files, bytes or pixbufs
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-image.h"

#include <gio/gio.h>
#include <string.h>

#include "discern-image-private.h"
#include "discern-source-error.h"

/* Bytes handed to the decoder at a time: once it has seen the header and
 * the size is refused, the rest of the data is never parsed, and between
 * two pieces the time spent so far is checked. Small pieces keep the work
 * done past the time limit small. */
#define LOADER_CHUNK (16 * 1024)

/* Bytes read from a file at a time. */
#define READ_CHUNK (256 * 1024)

#define SNIFF_LENGTH _DISCERN_IMAGE_SNIFF_LENGTH

/* A progressive JPEG is redrawn whole for each scan as it arrives, so its
 * cost is its pixels times its scans. Encoders write about ten scans (a
 * 64-megapixel photo: 640 million pixel passes, about two seconds); a file
 * far past that, such as a few hundred tiny scans over a large canvas, is
 * built to keep the decoder busy for minutes. This allows 24 scans of the
 * largest picture and proportionally more of smaller ones. */
#define JPEG_MAX_PIXEL_PASSES (24 * (gint64) DISCERN_IMAGE_MAX_PIXELS)

/* Replaced by tests; 0 means DISCERN_IMAGE_MAX_DECODE_SECONDS. */
static guint decode_limit_ms;

void
_discern_image_set_decode_limit_for_tests (guint milliseconds)
{
  decode_limit_ms = milliseconds;
}

static gint64
get_decode_limit_us (void)
{
  if (decode_limit_ms != 0) {
    return (gint64) decode_limit_ms * 1000;
  }
  return (gint64) DISCERN_IMAGE_MAX_DECODE_SECONDS * G_USEC_PER_SEC;
}

typedef struct {
  gboolean refused;     /* the declared size is over the limits */
  gboolean timed_out;   /* decoding took longer than allowed */
  int      width;       /* as declared by the file */
  int      height;

  /* Which rows of the picture the decoder has reported as drawn. */
  guint8  *rows_drawn;
  int      rows;
  gboolean drawing_reported;
} Decode;

static void
decode_clear (Decode *decode)
{
  g_clear_pointer (&decode->rows_drawn, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Decode, decode_clear)

static gboolean
size_within_limits (gint64 width,
                    gint64 height)
{
  return width > 0 && height > 0 &&
         width <= DISCERN_IMAGE_MAX_SIDE && height <= DISCERN_IMAGE_MAX_SIDE &&
         width * height <= DISCERN_IMAGE_MAX_PIXELS;
}

static void
set_too_large_error (GError **error,
                     gint64   width,
                     gint64   height)
{
  g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
               "The picture is too large to open (%" G_GINT64_FORMAT " × %"
               G_GINT64_FORMAT " pixels; the limit is %u megapixels and %d "
               "pixels a side)", width, height,
               DISCERN_IMAGE_MAX_PIXELS / 1000000, DISCERN_IMAGE_MAX_SIDE);
}

/* The loader states the size from the header before it allocates: a size
 * of 0 by 0 makes it give up there. Vector pictures are drawn at a bounded
 * size instead of the one they declare. */
static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  Decode *decode = user_data;
  GdkPixbufFormat *format = gdk_pixbuf_loader_get_format (loader);

  decode->width = width;
  decode->height = height;

  if (width > 0 && height > 0 &&
      format != NULL && gdk_pixbuf_format_is_scalable (format)) {
    double scale = (double) DISCERN_IMAGE_VECTOR_SIDE / MAX (width, height);

    gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale + 0.5)),
                                MAX (1, (int) (height * scale + 0.5)));
    return;
  }

  if (!size_within_limits (width, height)) {
    decode->refused = width > 0 && height > 0;
    gdk_pixbuf_loader_set_size (loader, 0, 0);
  }
}

static void
area_prepared_cb (GdkPixbufLoader *loader,
                  gpointer         user_data)
{
  Decode *decode = user_data;
  GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);

  g_clear_pointer (&decode->rows_drawn, g_free);
  decode->rows = gdk_pixbuf_get_height (pixbuf);
  decode->rows_drawn = g_malloc0 (decode->rows);
}

static void
area_updated_cb (GdkPixbufLoader *loader,
                 int              x,
                 int              y,
                 int              width,
                 int              height,
                 gpointer         user_data)
{
  Decode *decode = user_data;
  int end = MIN (decode->rows, y + height);

  decode->drawing_reported = TRUE;
  for (int row = MAX (y, 0); row < end; row++) {
    decode->rows_drawn[row] = 1;
  }
}

/* A file cut short can still close without an error (PNG does): the rows
 * never drawn would hold whatever the memory held. Decoders that report no
 * drawing at all are trusted. */
static gboolean
decode_is_incomplete (const Decode *decode)
{
  if (!decode->drawing_reported || decode->rows_drawn == NULL) {
    return FALSE;
  }
  for (int row = 0; row < decode->rows; row++) {
    if (!decode->rows_drawn[row]) {
      return TRUE;
    }
  }
  return FALSE;
}

/* What the markers of a JPEG say, walked from SOI without decoding. */
typedef struct {
  gboolean reaches_end;   /* EOI was found */
  gboolean progressive;   /* SOF2, 6, 10 or 14 */
  int      width;         /* from the first SOF; 0 if none */
  int      height;
  int      scans;         /* SOS markers before EOI */
} JpegSurvey;

static gboolean
is_sof_marker (guint8 marker)
{
  /* C4 (DHT), C8 (reserved) and CC (DAC) share the range. */
  return marker >= 0xc0 && marker <= 0xcf &&
         marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

/* Skips entropy-coded data from pos: it ends at the first marker other
 * than a stuffed zero or a restart marker. Returns the position of that
 * marker's 0xff, or length when the data ends first. */
static gsize
skip_scan_data (const guint8 *data,
                gsize         length,
                gsize         pos)
{
  for (;;) {
    const guint8 *next = memchr (data + pos, 0xff, length - pos);

    if (next == NULL || (gsize) (next - data) + 1 >= length) {
      return length;
    }
    pos = next - data;
    if (data[pos + 1] != 0x00 && data[pos + 1] != 0xff &&
        (data[pos + 1] < 0xd0 || data[pos + 1] > 0xd7)) {
      return pos;
    }
    pos++;
  }
}

/* JPEG decoders fill a picture cut short with grey and only warn, so the
 * picture counts as whole only if its EOI is reached. Segments are skipped
 * by their lengths (an EXIF thumbnail's own EOI is inside one), scans up to
 * the next marker; data after EOI (phones append videos there) is never
 * looked at. */
static void
jpeg_survey (const guint8 *data,
             gsize         length,
             JpegSurvey   *survey)
{
  gsize pos = 2;

  memset (survey, 0, sizeof *survey);
  for (;;) {
    guint8 marker;
    gsize segment;

    /* libjpeg skips stray bytes before a marker, and so do we. */
    while (pos < length && data[pos] != 0xff) {
      pos++;
    }
    while (pos < length && data[pos] == 0xff) {
      pos++;
    }
    if (pos >= length) {
      return;
    }
    marker = data[pos++];

    if (marker == 0xd9) {
      survey->reaches_end = TRUE;
      return;
    }
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      continue;
    }
    if (pos + 2 > length) {
      return;
    }
    segment = (data[pos] << 8) | data[pos + 1];
    if (segment < 2 || pos + segment > length) {
      return;
    }

    /* SOF: length, precision, height, width (big-endian). */
    if (is_sof_marker (marker) && survey->width == 0 && segment >= 7) {
      survey->progressive = (marker & 0x03) == 0x02;
      survey->height = (data[pos + 3] << 8) | data[pos + 4];
      survey->width = (data[pos + 5] << 8) | data[pos + 6];
    }
    pos += segment;

    if (marker == 0xda) {
      survey->scans++;
      pos = skip_scan_data (data, length, pos);
    }
  }
}

/* Refuses a progressive JPEG whose scans would redraw too many pixels. */
static gboolean
check_jpeg_cost (const JpegSurvey  *survey,
                 GError           **error)
{
  gint64 pixels = (gint64) survey->width * survey->height;

  if (!survey->progressive ||
      pixels * survey->scans <= JPEG_MAX_PIXEL_PASSES) {
    return TRUE;
  }
  g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
               "The picture would take too long to decode (a progressive "
               "JPEG of %d × %d pixels in %d scans; ordinary ones have about "
               "ten)", survey->width, survey->height, survey->scans);
  return FALSE;
}

/* GIF frames of no width or height make gdk-pixbuf 2.42's loader fail an
 * assertion (a critical, not an error) while drawing the first frame, so
 * they are refused before it sees them. Walks the blocks of the file:
 * extensions and frames, each followed by sub-blocks of data, and stray
 * bytes between them. Stops without a verdict where the data ends, leaving
 * the rest to the decoder. */
static gboolean
gif_has_empty_frame (const guint8 *data,
                     gsize         length)
{
  gsize pos = 13;  /* "GIF89a" and the logical screen descriptor */

  if (length < pos) {
    return FALSE;
  }
  if (data[10] & 0x80) {
    pos += 3u << ((data[10] & 0x07) + 1);  /* global colour table */
  }

  while (pos < length) {
    guint8 block = data[pos++];

    if (block == 0x2c) {
      /* Frame: left, top, width, height, flags; then its colour table and
       * the LZW code size. */
      if (pos + 9 > length) {
        return FALSE;
      }
      if ((data[pos + 4] | data[pos + 5] << 8) == 0 ||
          (data[pos + 6] | data[pos + 7] << 8) == 0) {
        return TRUE;
      }
      if (data[pos + 8] & 0x80) {
        pos += 3u << ((data[pos + 8] & 0x07) + 1);
      }
      pos += 10;
    } else if (block == 0x21) {
      pos++;  /* the extension's label */
    } else if (block == 0x3b) {
      return FALSE;  /* the trailer */
    } else {
      continue;  /* gdk-pixbuf skips stray bytes between blocks, too */
    }
    /* Sub-blocks: a length byte each, ended by a zero. */
    while (pos < length && data[pos] != 0) {
      pos += data[pos] + 1;
    }
    pos++;
  }
  return FALSE;
}

/* Web pages: what a link to a picture often returns instead (a login,
 * hotlink or error page). Looks for the usual opening tags near the top. */
static gboolean
looks_like_html (const guint8 *data,
                 gsize         length)
{
  static const char *const tags[] = {
    "<!doctype html", "<html", "<head", "<body",
  };
  g_autofree char *start = NULL;

  if (length == 0) {
    return FALSE;
  }
  start = g_ascii_strdown ((const char *) data, MIN (length, SNIFF_LENGTH));
  for (gsize i = 0; i < G_N_ELEMENTS (tags); i++) {
    if (strstr (start, tags[i]) != NULL) {
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
_discern_image_looks_like_web_page (const guint8 *data,
                                    gsize         length)
{
  g_autofree char *start = NULL;

  if (!looks_like_html (data, length)) {
    return FALSE;
  }
  start = g_ascii_strdown ((const char *) data, MIN (length, SNIFF_LENGTH));
  return strstr (start, "<svg") == NULL;
}

/* UTF-8 without control characters other than white space, in the first
 * few kilobytes (a character cut at the end of that window is fine). */
static gboolean
looks_like_text (const guint8 *data,
                 gsize         length)
{
  gsize checked = MIN (length, SNIFF_LENGTH);
  const char *end;

  if (!g_utf8_validate ((const char *) data, checked, &end)) {
    gsize valid = end - (const char *) data;

    if (checked == length || checked - valid > 3) {
      return FALSE;
    }
  }
  for (gsize i = 0; i < checked; i++) {
    guint8 c = data[i];

    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ||
        c == 0x7f) {
      return FALSE;
    }
  }
  return TRUE;
}

/* The loader knows no format for these bytes: say what they are instead. */
static void
set_unrecognised_error (GError       **error,
                        const guint8  *data,
                        gsize          length,
                        const char    *details)
{
  g_autofree char *type = NULL;
  g_autofree char *description = NULL;

  if (looks_like_html (data, length)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE,
                 "This is a web page, not a picture");
    return;
  }
  if (looks_like_text (data, length)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE,
                 "This is text, not a picture");
    return;
  }

  type = g_content_type_guess (NULL, data, MIN (length, SNIFF_LENGTH), NULL);
  description = g_content_type_get_description (type);
  if (g_str_has_prefix (type, "image/")) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_UNSUPPORTED,
                 "This picture is in a format that cannot be opened here "
                 "(%s): %s", description, details);
  } else if (!g_content_type_is_unknown (type)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE,
                 "This is not a picture but a file of another kind (%s)",
                 description);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_UNSUPPORTED,
                 "This is not in any picture format known here: %s", details);
  }
}

/* Turns a loader error into one of ours, keeping its message as details. */
static void
set_decode_error (GError       **error,
                  const GError  *loader_error,
                  const guint8  *data,
                  gsize          length)
{
  const char *details = loader_error != NULL ? loader_error->message
                                             : "no picture was produced";

  /* A web page stays a web page even if some loader claimed it (an XHTML
   * page starts like an SVG drawing). */
  if (g_error_matches (loader_error, GDK_PIXBUF_ERROR,
                       GDK_PIXBUF_ERROR_UNKNOWN_TYPE) ||
      looks_like_html (data, length)) {
    set_unrecognised_error (error, data, length, details);
  } else if (g_error_matches (loader_error, GDK_PIXBUF_ERROR,
                              GDK_PIXBUF_ERROR_UNSUPPORTED_OPERATION)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_UNSUPPORTED,
                 "This kind of picture cannot be opened here: %s", details);
  } else if (g_error_matches (loader_error, GDK_PIXBUF_ERROR,
                              GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The picture is too large to decode: %s", details);
  } else {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_CORRUPT,
                 "The picture is damaged and cannot be decoded: %s", details);
  }
}

/* Hands the data to the loader in pieces until it is all written, the
 * loader fails, the declared size is refused or the time runs out. */
static gboolean
feed_loader (GdkPixbufLoader  *loader,
             const guint8     *data,
             gsize             length,
             Decode           *decode,
             GError          **error)
{
  gint64 started = g_get_monotonic_time ();
  gint64 limit = get_decode_limit_us ();
  gsize offset = 0;

  while (offset < length && !decode->refused) {
    gsize chunk = MIN (length - offset, LOADER_CHUNK);

    if (!gdk_pixbuf_loader_write (loader, data + offset, chunk, error)) {
      return FALSE;
    }
    offset += chunk;
    if (offset < length && g_get_monotonic_time () - started > limit) {
      decode->timed_out = TRUE;
      return FALSE;
    }
  }
  return TRUE;
}

static void
set_timed_out_error (GError **error)
{
  g_autofree char *limit = NULL;

  if (decode_limit_ms != 0) {
    limit = g_strdup_printf ("%u ms", decode_limit_ms);
  } else {
    limit = g_strdup_printf ("%d seconds", DISCERN_IMAGE_MAX_DECODE_SECONDS);
  }
  g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
               "The picture takes too long to decode (more than %s)", limit);
}

/* Feeds the bytes to a loader in chunks, stopping as soon as the declared
 * size is refused or the time is up, and returns the first frame or page.
 * A JPEG's markers are looked at first: for the cost of a progressive one,
 * and afterwards to tell whether it was whole. */
static GdkPixbuf *
decode_pixbuf (GBytes  *bytes,
               GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) loader_error = NULL;
  g_auto(Decode) decode = { 0 };
  g_autofree char *format_name = NULL;
  JpegSurvey survey = { 0 };
  GdkPixbufFormat *format;
  const guint8 *data;
  gsize length;
  gboolean ok;
  GdkPixbuf *pixbuf;

  data = g_bytes_get_data (bytes, &length);
  if (length == 0) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_NOT_IMAGE,
                         "This is an empty file, not a picture");
    return NULL;
  }
  if (length >= 2 && data[0] == 0xff && data[1] == 0xd8) {
    jpeg_survey (data, length, &survey);
    if (!check_jpeg_cost (&survey, error)) {
      return NULL;
    }
  }
  if (length >= 6 && memcmp (data, "GIF8", 4) == 0 &&
      gif_has_empty_frame (data, length)) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_CORRUPT,
                         "The picture is damaged and cannot be decoded: one "
                         "of its frames has no pixels");
    return NULL;
  }

  loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared",
                    G_CALLBACK (size_prepared_cb), &decode);
  g_signal_connect (loader, "area-prepared",
                    G_CALLBACK (area_prepared_cb), &decode);
  g_signal_connect (loader, "area-updated",
                    G_CALLBACK (area_updated_cb), &decode);

  ok = feed_loader (loader, data, length, &decode, &loader_error);
  /* A failed write has closed the loader already; closing again is a no-op.
   * A refused size or a decoder out of time leaves it open, and its
   * complaint about the missing rest is not wanted. */
  if (ok && !decode.refused) {
    ok = gdk_pixbuf_loader_close (loader, &loader_error);
  } else {
    gdk_pixbuf_loader_close (loader, NULL);
  }

  if (decode.refused) {
    set_too_large_error (error, decode.width, decode.height);
    return NULL;
  }
  if (decode.timed_out) {
    set_timed_out_error (error);
    return NULL;
  }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (!ok || pixbuf == NULL) {
    set_decode_error (error, loader_error, data, length);
    return NULL;
  }
  format = gdk_pixbuf_loader_get_format (loader);
  format_name = format != NULL ? gdk_pixbuf_format_get_name (format) : NULL;
  if (decode_is_incomplete (&decode) ||
      (g_strcmp0 (format_name, "jpeg") == 0 && !survey.reaches_end)) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_CORRUPT,
                         "The picture is incomplete: the data ends before "
                         "its last rows");
    return NULL;
  }

  return g_object_ref (pixbuf);
}

/* Pixbufs can come from elsewhere (the clipboard): 8-bit RGB or RGBA only,
 * within the same limits as decoded files. */
static gboolean
check_pixbuf (GdkPixbuf  *pixbuf,
              GError    **error)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);

  if (gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB ||
      gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 ||
      (channels != 3 && channels != 4) ||
      gdk_pixbuf_get_has_alpha (pixbuf) != (channels == 4)) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_UNSUPPORTED,
                 "The picture's pixels are in a layout that cannot be used "
                 "(%d channels of %d bits)", channels,
                 gdk_pixbuf_get_bits_per_sample (pixbuf));
    return FALSE;
  }
  if (!size_within_limits (width, height)) {
    set_too_large_error (error, width, height);
    return FALSE;
  }
  return TRUE;
}

/* The EXIF orientation a loader left on the pixbuf, 1 to 8; an unknown or
 * invalid value leaves the picture as it is, as gdk-pixbuf does. */
static int
pixbuf_orientation (GdkPixbuf *pixbuf)
{
  const char *option = gdk_pixbuf_get_option (pixbuf, "orientation");
  guint64 value;

  if (option == NULL ||
      !g_ascii_string_to_unsigned (option, 10, 1, 8, &value, NULL)) {
    return 1;
  }
  return value;
}

/* Where displayed pixel (x, y) of the upright picture is stored, for a
 * stored picture w × h, as the EXIF specification defines orientations. */
static void
stored_position (int     orientation,
                 gssize  w,
                 gssize  h,
                 gssize  x,
                 gssize  y,
                 gssize *sx,
                 gssize *sy)
{
  switch (orientation) {
  case 2:  /* mirrored left to right */
    *sx = w - 1 - x;
    *sy = y;
    break;
  case 3:  /* turned 180° */
    *sx = w - 1 - x;
    *sy = h - 1 - y;
    break;
  case 4:  /* mirrored top to bottom */
    *sx = x;
    *sy = h - 1 - y;
    break;
  case 5:  /* transposed */
    *sx = y;
    *sy = x;
    break;
  case 6:  /* needs a quarter turn clockwise */
    *sx = y;
    *sy = h - 1 - x;
    break;
  case 7:  /* transversed */
    *sx = w - 1 - y;
    *sy = h - 1 - x;
    break;
  case 8:  /* needs a quarter turn anticlockwise */
    *sx = w - 1 - y;
    *sy = x;
    break;
  default:
    *sx = x;
    *sy = y;
    break;
  }
}

/* Where upright row y starts in the stored pixels, and how many bytes
 * apart its pixels are there (negative when the row runs backwards). */
static void
upright_row (GdkPixbuf *pixbuf,
             int        orientation,
             int        y,
             gsize     *start,
             gssize    *step)
{
  gssize w = gdk_pixbuf_get_width (pixbuf);
  gssize h = gdk_pixbuf_get_height (pixbuf);
  gssize pixel = gdk_pixbuf_get_n_channels (pixbuf);
  gssize row = gdk_pixbuf_get_rowstride (pixbuf);
  gssize sx0, sy0, sx1, sy1;

  stored_position (orientation, w, h, 0, y, &sx0, &sy0);
  stored_position (orientation, w, h, 1, y, &sx1, &sy1);
  *start = sy0 * row + sx0 * pixel;
  *step = (sy1 - sy0) * row + (sx1 - sx0) * pixel;
}

/* Copies the pixels into a dense RGB buffer, turning the picture upright
 * on the way (no second copy of a large picture) and flattening alpha onto
 * white: each colour becomes round ((c * a + 255 * (255 - a)) / 255). */
static DiscernImage *
image_from_pixbuf (GdkPixbuf  *pixbuf,
                   GError    **error)
{
  int orientation = pixbuf_orientation (pixbuf);
  gboolean turned = orientation >= 5;
  int width = turned ? gdk_pixbuf_get_height (pixbuf)
                     : gdk_pixbuf_get_width (pixbuf);
  int height = turned ? gdk_pixbuf_get_width (pixbuf)
                      : gdk_pixbuf_get_height (pixbuf);
  gboolean alpha = gdk_pixbuf_get_n_channels (pixbuf) == 4;
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  DiscernImage *image;
  guint8 *out;

  out = g_try_malloc ((gsize) width * height * 3);
  if (out == NULL) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The picture is too large for the memory available "
                 "(%d × %d pixels)", width, height);
    return NULL;
  }

  for (int y = 0; y < height; y++) {
    guint8 *o = out + (gsize) y * width * 3;
    gsize start;
    gssize step;
    const guint8 *in;

    upright_row (pixbuf, orientation, y, &start, &step);
    in = pixels + start;
    if (!alpha && step == 3) {
      memcpy (o, in, (gsize) width * 3);
      continue;
    }
    for (int x = 0; x < width; x++, in += step, o += 3) {
      guint a = alpha ? in[3] : 255;

      for (int c = 0; c < 3; c++) {
        guint value = in[c] * a + 255 * (255 - a);

        o[c] = (value + 127) / 255;
      }
    }
  }

  image = g_new0 (DiscernImage, 1);
  image->width = width;
  image->height = height;
  image->pixels = out;
  return image;
}

/* Reads at most DISCERN_IMAGE_MAX_BYTES: the size is checked first, and
 * again while reading, since a file can grow or be a pipe. */
static GBytes *
read_file_bounded (GFile   *file,
                   GError **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GByteArray) buffer = NULL;
  g_autoptr(GError) local_error = NULL;
  goffset size;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NONE, NULL, &local_error);
  if (info == NULL) {
    if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
      g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                           DISCERN_SOURCE_ERROR_NOT_FOUND,
                           "There is no such file");
    } else {
      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_READ,
                   "The file could not be read: %s", local_error->message);
    }
    return NULL;
  }
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_NOT_IMAGE,
                         "This is a folder, not a picture");
    return NULL;
  }
  /* A pipe would block until someone writes to it, a device could be
   * read forever. */
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR) {
    g_set_error_literal (error, DISCERN_SOURCE_ERROR,
                         DISCERN_SOURCE_ERROR_NOT_IMAGE,
                         "This is not a file but a device, pipe or socket");
    return NULL;
  }

  size = g_file_info_get_size (info);
  if (size > DISCERN_IMAGE_MAX_BYTES) {
    g_autofree char *size_text = g_format_size (size);
    g_autofree char *limit_text = g_format_size (DISCERN_IMAGE_MAX_BYTES);

    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The file is too large to open (%s; the limit is %s)",
                 size_text, limit_text);
    return NULL;
  }

  stream = g_file_read (file, NULL, &local_error);
  if (stream == NULL) {
    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_READ,
                 "The file could not be read: %s", local_error->message);
    return NULL;
  }

  buffer = g_byte_array_sized_new (MAX (size, 0) + 1);
  for (;;) {
    guint old_length = buffer->len;
    gssize n;

    g_byte_array_set_size (buffer, old_length + READ_CHUNK);
    n = g_input_stream_read (G_INPUT_STREAM (stream),
                             buffer->data + old_length, READ_CHUNK,
                             NULL, &local_error);
    if (n < 0) {
      g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_READ,
                   "The file could not be read: %s", local_error->message);
      return NULL;
    }
    g_byte_array_set_size (buffer, old_length + n);
    if (n == 0) {
      break;
    }
    if (buffer->len > DISCERN_IMAGE_MAX_BYTES) {
      g_autofree char *limit_text = g_format_size (DISCERN_IMAGE_MAX_BYTES);

      g_set_error (error, DISCERN_SOURCE_ERROR,
                   DISCERN_SOURCE_ERROR_TOO_LARGE,
                   "The file is too large to open (more than %s)",
                   limit_text);
      return NULL;
    }
  }

  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

DiscernImage *
discern_image_new_from_file (const char  *path,
                             GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *display = NULL;
  DiscernImage *image;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  file = g_file_new_for_path (path);
  bytes = read_file_bounded (file, error);
  if (bytes == NULL) {
    g_prefix_error (error, "%s: ", display);
    return NULL;
  }

  image = discern_image_new_from_bytes (bytes, error);
  if (image == NULL) {
    g_prefix_error (error, "%s: ", display);
  }
  return image;
}

DiscernImage *
discern_image_new_from_bytes (GBytes  *bytes,
                              GError **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_bytes_get_size (bytes) > DISCERN_IMAGE_MAX_BYTES) {
    g_autofree char *size_text = g_format_size (g_bytes_get_size (bytes));
    g_autofree char *limit_text = g_format_size (DISCERN_IMAGE_MAX_BYTES);

    g_set_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE,
                 "The data is too large to open (%s; the limit is %s)",
                 size_text, limit_text);
    return NULL;
  }

  pixbuf = decode_pixbuf (bytes, error);
  if (pixbuf == NULL) {
    return NULL;
  }
  return discern_image_new_from_pixbuf (pixbuf, error);
}

DiscernImage *
discern_image_new_from_pixbuf (GdkPixbuf  *pixbuf,
                               GError    **error)
{
  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_pixbuf (pixbuf, error)) {
    return NULL;
  }
  return image_from_pixbuf (pixbuf, error);
}

void
discern_image_free (DiscernImage *image)
{
  if (image == NULL) {
    return;
  }
  g_free (image->pixels);
  g_free (image);
}
