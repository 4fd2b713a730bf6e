/* test-image.c: decoding files, bytes and pixbufs into checked RGB pixels
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifdef HAVE_LIBJPEG
#include <jpeglib.h>
#endif

#include "discern-image.h"
#include "discern-image-private.h"
#include "discern-source-error.h"

/* Time limits in these tests are multiplied by DISCERN_TEST_TIME_SCALE
 * when set, for runs under Valgrind, which is some 50 times slower. */
static gint64
scaled_us (gint64 microseconds)
{
  const char *scale = g_getenv ("DISCERN_TEST_TIME_SCALE");
  gint64 factor = scale != NULL ? g_ascii_strtoll (scale, NULL, 10) : 1;

  return microseconds * MAX (factor, 1);
}

/* Generated pictures */

static GdkPixbuf *
pixbuf_filled (int           width,
               int           height,
               gboolean      alpha,
               const guint8 *(*pixel_at) (int x, int y))
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8,
                                      width, height);
  int channels = alpha ? 4 : 3;
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      memcpy (pixels + (gsize) y * rowstride + x * channels, pixel_at (x, y),
              channels);
    }
  }
  return pixbuf;
}

static GBytes *
save_to_bytes (GdkPixbuf  *pixbuf,
               const char *type)
{
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;

  if (g_str_equal (type, "jpeg")) {
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, type, &error,
                               "quality", "95", NULL);
  } else {
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, type, &error, NULL);
  }
  g_assert_no_error (error);
  return g_bytes_new_take (buffer, length);
}

/* A minimal PNG writer for what gdk-pixbuf cannot save (grayscale) and
 * for headers that lie: chunks with correct CRCs, pixel data in stored
 * (uncompressed) deflate blocks. */

static guint32
crc32_update (guint32       crc,
              const guint8 *data,
              gsize         length)
{
  crc = ~crc;
  for (gsize i = 0; i < length; i++) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; bit++) {
      crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  }
  return ~crc;
}

static void
append_be32 (GByteArray *out,
             guint32     value)
{
  guint8 bytes[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (out, bytes, 4);
}

static void
append_chunk (GByteArray   *out,
              const char   *type,
              const guint8 *data,
              gsize         length)
{
  guint32 crc;

  append_be32 (out, length);
  g_byte_array_append (out, (const guint8 *) type, 4);
  g_byte_array_append (out, data, length);
  crc = crc32_update (0, (const guint8 *) type, 4);
  crc = crc32_update (crc, data, length);
  append_be32 (out, crc);
}

/* zlib stream of stored blocks around raw. */
static GByteArray *
zlib_stored (const guint8 *raw,
             gsize         length)
{
  GByteArray *out = g_byte_array_new ();
  guint32 a = 1, b = 0;
  gsize offset = 0;

  g_byte_array_append (out, (const guint8 *) "\x78\x01", 2);
  do {
    gsize block = MIN (length - offset, 65535);
    guint8 header[5] = {
      offset + block == length, block & 0xff, block >> 8,
      ~block & 0xff, (~block >> 8) & 0xff,
    };

    g_byte_array_append (out, header, 5);
    g_byte_array_append (out, raw + offset, block);
    offset += block;
  } while (offset < length);

  for (gsize i = 0; i < length; i++) {
    a = (a + raw[i]) % 65521;
    b = (b + a) % 65521;
  }
  append_be32 (out, (b << 16) | a);
  return out;
}

/* rows: height rows of width * channels bytes, without filter bytes. The
 * declared size may differ from the data's (for lying headers). */
static GBytes *
png_build (guint32       declared_width,
           guint32       declared_height,
           guint8        color_type,
           const guint8 *rows,
           int           width,
           int           height,
           int           channels)
{
  static const guint8 signature[8] = {
    137, 'P', 'N', 'G', '\r', '\n', 26, '\n',
  };
  GByteArray *png = g_byte_array_new ();
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GByteArray) idat = NULL;
  guint8 ihdr[13] = { 0 };

  for (int y = 0; y < height; y++) {
    g_byte_array_append (raw, (const guint8 *) "", 1);
    g_byte_array_append (raw, rows + (gsize) y * width * channels,
                         width * channels);
  }
  idat = zlib_stored (raw->data, raw->len);

  for (int i = 0; i < 4; i++) {
    ihdr[i] = declared_width >> (24 - 8 * i);
    ihdr[4 + i] = declared_height >> (24 - 8 * i);
  }
  ihdr[8] = 8;
  ihdr[9] = color_type;

  g_byte_array_append (png, signature, 8);
  append_chunk (png, "IHDR", ihdr, 13);
  append_chunk (png, "IDAT", idat->data, idat->len);
  append_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

/* A JPEG with an EXIF APP1 segment holding only the Orientation tag,
 * spliced in right after SOI. */
static GBytes *
jpeg_with_orientation (GBytes *jpeg,
                       guint   orientation)
{
  const guint8 exif[] = {
    0xff, 0xe1, 0x00, 34,                    /* APP1, length */
    'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0, 0, 0, 8,        /* big-endian TIFF, IFD at 8 */
    0x00, 0x01,                              /* one entry */
    0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1,      /* Orientation, SHORT, 1 */
    0x00, orientation, 0x00, 0x00,
    0, 0, 0, 0,                              /* no next IFD */
  };
  gsize length;
  const guint8 *data = g_bytes_get_data (jpeg, &length);
  GByteArray *out = g_byte_array_new ();

  g_assert_true (length > 2 && data[0] == 0xff && data[1] == 0xd8);
  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, exif, sizeof exif);
  g_byte_array_append (out, data + 2, length - 2);
  return g_byte_array_free_to_bytes (out);
}

static char *
write_temp (const char *dir,
            const char *name,
            GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                       g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return path;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL) {
    g_autofree char *path = g_build_filename (dir, name, NULL);

    g_unlink (path);
  }
  g_rmdir (dir);
}

static void
assert_pixel (const DiscernImage *image,
              int                 x,
              int                 y,
              const guint8       *expected,
              int                 tolerance)
{
  const guint8 *p = image->pixels + ((gsize) y * image->width + x) * 3;

  for (int c = 0; c < 3; c++) {
    if (ABS (p[c] - expected[c]) > tolerance) {
      g_test_message ("pixel (%d, %d) is %d,%d,%d, expected %d,%d,%d ± %d",
                      x, y, p[0], p[1], p[2],
                      expected[0], expected[1], expected[2], tolerance);
    }
    g_assert_cmpint (ABS (p[c] - expected[c]), <=, tolerance);
  }
}

/* Plain pictures */

static const guint8 *
rgb_pattern (int x,
             int y)
{
  static guint8 pixel[3];

  pixel[0] = x * 40;
  pixel[1] = y * 50;
  pixel[2] = 255 - x * 10 - y;
  return pixel;
}

static const guint8 *
noise_pattern (int x,
               int y)
{
  /* Four bytes: callers with alpha read the fourth as opacity. */
  static guint8 pixel[4];
  guint32 hash = (x * 73856093u) ^ (y * 19349663u);

  pixel[0] = hash;
  pixel[1] = hash >> 8;
  pixel[2] = hash >> 16;
  pixel[3] = hash >> 24;
  return pixel;
}

static void
test_rgb_png (void)
{
  g_autoptr(GdkPixbuf) pixbuf = pixbuf_filled (5, 3, FALSE, rgb_pattern);
  g_autoptr(GBytes) png = save_to_bytes (pixbuf, "png");
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  image = discern_image_new_from_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 5);
  g_assert_cmpint (image->height, ==, 3);
  for (int y = 0; y < 3; y++) {
    for (int x = 0; x < 5; x++) {
      assert_pixel (image, x, y, rgb_pattern (x, y), 0);
    }
  }
}

/* Colour, alpha, and the colour expected on white:
 * round ((c * a + 255 * (255 - a)) / 255), worked out by hand. */
static const guint8 alpha_cases[][7] = {
  { 200, 100, 0, 128, 227, 177, 127 },
  { 0, 0, 0, 0, 255, 255, 255 },
  { 10, 20, 30, 255, 10, 20, 30 },
  { 255, 0, 0, 1, 255, 254, 254 },
  { 0, 64, 255, 191, 64, 112, 255 },
  { 17, 34, 51, 64, 195, 200, 204 },
};

static const guint8 *
alpha_pattern (int x,
               int y)
{
  return alpha_cases[x];
}

static void
check_alpha_flattened (const DiscernImage *image)
{
  g_assert_cmpint (image->width, ==, G_N_ELEMENTS (alpha_cases));
  for (gsize x = 0; x < G_N_ELEMENTS (alpha_cases); x++) {
    assert_pixel (image, x, 0, alpha_cases[x] + 4, 0);
  }
}

static void
test_rgba_png (void)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  pixbuf = pixbuf_filled (G_N_ELEMENTS (alpha_cases), 1, TRUE, alpha_pattern);
  png = save_to_bytes (pixbuf, "png");
  image = discern_image_new_from_bytes (png, &error);
  g_assert_no_error (error);
  check_alpha_flattened (image);
}

static void
test_rgba_pixbuf (void)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  pixbuf = pixbuf_filled (G_N_ELEMENTS (alpha_cases), 1, TRUE, alpha_pattern);
  image = discern_image_new_from_pixbuf (pixbuf, &error);
  g_assert_no_error (error);
  check_alpha_flattened (image);
}

static void
test_grayscale_png (void)
{
  const guint8 gray[2 * 3] = { 0, 50, 100, 150, 200, 255 };
  const guint8 gray_alpha[2 * 2] = { 100, 255, 100, 0 };
  g_autoptr(GBytes) png = png_build (3, 2, 0, gray, 3, 2, 1);
  g_autoptr(GBytes) png_alpha = png_build (2, 1, 4, gray_alpha, 2, 1, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;
  g_autoptr(DiscernImage) image_alpha = NULL;

  image = discern_image_new_from_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 3);
  g_assert_cmpint (image->height, ==, 2);
  for (int i = 0; i < 6; i++) {
    const guint8 expected[3] = { gray[i], gray[i], gray[i] };

    assert_pixel (image, i % 3, i / 3, expected, 0);
  }

  /* Gray with alpha: opaque stays, transparent turns white. */
  image_alpha = discern_image_new_from_bytes (png_alpha, &error);
  g_assert_no_error (error);
  assert_pixel (image_alpha, 0, 0, (const guint8[]) { 100, 100, 100 }, 0);
  assert_pixel (image_alpha, 1, 0, (const guint8[]) { 255, 255, 255 }, 0);
}

/* EXIF orientation: a 64x32 picture of four flat quadrants, so that JPEG's
 * loss only blurs the edges, checked at the centres of the quadrants. */

static const guint8 quadrant_colours[4][3] = {
  { 220, 20, 20 },   /* top left: red */
  { 20, 200, 20 },   /* top right: green */
  { 20, 20, 220 },   /* bottom left: blue */
  { 230, 230, 30 },  /* bottom right: yellow */
};

#define STORED_WIDTH 64
#define STORED_HEIGHT 32

static const guint8 *
quadrant_pattern (int x,
                  int y)
{
  return quadrant_colours[(y >= STORED_HEIGHT / 2) * 2 +
                          (x >= STORED_WIDTH / 2)];
}

/* Where displayed pixel (x, y) comes from in the stored picture, for each
 * orientation as the EXIF specification defines it. */
static void
stored_position (guint  orientation,
                 int    x,
                 int    y,
                 int   *sx,
                 int   *sy)
{
  const int w = STORED_WIDTH;
  const int h = STORED_HEIGHT;

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
  default: /* 1, and values outside 1..8, which are ignored */
    *sx = x;
    *sy = y;
    break;
  }
}

static void
test_exif_orientation (void)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) jpeg = NULL;

  pixbuf = pixbuf_filled (STORED_WIDTH, STORED_HEIGHT, FALSE,
                          quadrant_pattern);
  jpeg = save_to_bytes (pixbuf, "jpeg");

  for (guint orientation = 0; orientation <= 9; orientation++) {
    g_autoptr(GBytes) tagged = jpeg_with_orientation (jpeg, orientation);
    g_autoptr(GError) error = NULL;
    g_autoptr(DiscernImage) image = NULL;
    gboolean turned = orientation >= 5 && orientation <= 8;

    g_test_message ("orientation %u", orientation);
    image = discern_image_new_from_bytes (tagged, &error);
    g_assert_no_error (error);
    g_assert_cmpint (image->width, ==, turned ? STORED_HEIGHT : STORED_WIDTH);
    g_assert_cmpint (image->height, ==, turned ? STORED_WIDTH : STORED_HEIGHT);

    /* The centre of each displayed quadrant. */
    for (int qy = 0; qy < 2; qy++) {
      for (int qx = 0; qx < 2; qx++) {
        int x = image->width / 4 + qx * image->width / 2;
        int y = image->height / 4 + qy * image->height / 2;
        int sx, sy;

        stored_position (orientation, x, y, &sx, &sy);
        assert_pixel (image, x, y, quadrant_pattern (sx, sy), 12);
      }
    }
  }
}

/* A pixbuf carrying the "orientation" option, as one loaded elsewhere. */
static void
test_pixbuf_orientation (void)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  pixbuf = pixbuf_filled (STORED_WIDTH, STORED_HEIGHT, FALSE,
                          quadrant_pattern);
  gdk_pixbuf_set_option (pixbuf, "orientation", "6");
  image = discern_image_new_from_pixbuf (pixbuf, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, STORED_HEIGHT);
  /* After a quarter turn clockwise the blue bottom left is at top left. */
  assert_pixel (image, 0, 0, quadrant_colours[2], 0);
  assert_pixel (image, STORED_HEIGHT - 1, 0, quadrant_colours[0], 0);
}

/* Every orientation, with and without alpha, against gdk-pixbuf's own
 * turning followed by flattening onto white. */
static void
test_orientation_matches_gdk_pixbuf (void)
{
  for (int orientation = 1; orientation <= 8; orientation++) {
    for (int alpha = 0; alpha <= 1; alpha++) {
      g_autoptr(GdkPixbuf) opaque = pixbuf_filled (7, 5, FALSE,
                                                   noise_pattern);
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GdkPixbuf) turned = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(DiscernImage) image = NULL;
      g_autofree char *option = g_strdup_printf ("%d", orientation);
      int channels = alpha ? 4 : 3;

      pixbuf = alpha ? gdk_pixbuf_add_alpha (opaque, FALSE, 0, 0, 0)
                     : g_object_ref (opaque);
      if (alpha) {
        /* An alpha that varies too. */
        guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
        int rowstride = gdk_pixbuf_get_rowstride (pixbuf);

        for (int y = 0; y < 5; y++) {
          for (int x = 0; x < 7; x++) {
            pixels[y * rowstride + x * 4 + 3] = (x * 37 + y * 91) & 0xff;
          }
        }
      }
      gdk_pixbuf_set_option (pixbuf, "orientation", option);
      turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);
      image = discern_image_new_from_pixbuf (pixbuf, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->width, ==, gdk_pixbuf_get_width (turned));
      g_assert_cmpint (image->height, ==, gdk_pixbuf_get_height (turned));

      for (int y = 0; y < image->height; y++) {
        for (int x = 0; x < image->width; x++) {
          const guint8 *in = gdk_pixbuf_read_pixels (turned) +
                             y * gdk_pixbuf_get_rowstride (turned) +
                             x * channels;
          guint a = alpha ? in[3] : 255;
          guint8 expected[3];

          for (int c = 0; c < 3; c++) {
            expected[c] = (in[c] * a + 255 * (255 - a) + 127) / 255;
          }
          assert_pixel (image, x, y, expected, 0);
        }
      }
    }
  }
}

/* Data after a JPEG's end (phones append a video there) is ignored; a JPEG
 * missing its last bytes is incomplete. */
static void
test_jpeg_end (void)
{
  g_autoptr(GdkPixbuf) pixbuf = pixbuf_filled (64, 64, FALSE, noise_pattern);
  g_autoptr(GBytes) jpeg = save_to_bytes (pixbuf, "jpeg");
  g_autoptr(GByteArray) extended = g_byte_array_new ();
  g_autoptr(GBytes) extended_bytes = NULL;
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) plain = NULL;
  g_autoptr(DiscernImage) with_trailer = NULL;
  g_autoptr(DiscernImage) without_end = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (jpeg, &length);

  g_byte_array_append (extended, data, length);
  for (int i = 0; i < 100000; i++) {
    guint8 byte = i % 251;

    g_byte_array_append (extended, &byte, 1);
  }
  extended_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&extended));

  plain = discern_image_new_from_bytes (jpeg, &error);
  g_assert_no_error (error);
  with_trailer = discern_image_new_from_bytes (extended_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (plain->pixels, 64 * 64 * 3, with_trailer->pixels,
                   64 * 64 * 3);

  cut = g_bytes_new_from_bytes (jpeg, 0, length - 2);
  without_end = discern_image_new_from_bytes (cut, &error);
  g_assert_null (without_end);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_CORRUPT);
}

/* Size limits */

static void
check_refused_quickly (guint32 width,
                       guint32 height)
{
  const guint8 pixel[3] = { 1, 2, 3 };
  g_autoptr(GBytes) png = png_build (width, height, 2, pixel, 1, 1, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  image = discern_image_new_from_bytes (png, &error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%u x %u refused in %" G_GINT64_FORMAT " µs: %s",
                  width, height, elapsed,
                  error != NULL ? error->message : "(no error)");
  g_assert_null (image);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE);
  g_assert_cmpint (elapsed, <, scaled_us (G_USEC_PER_SEC));
}

static void
test_declared_size_bomb (void)
{
  /* About 100 bytes declaring a picture of terabytes. */
  check_refused_quickly (935820, 854554);
  check_refused_quickly (200000, 200000);
  /* Just past each limit. */
  check_refused_quickly (DISCERN_IMAGE_MAX_SIDE + 1, 1);
  check_refused_quickly (1, DISCERN_IMAGE_MAX_SIDE + 1);
  check_refused_quickly (10001, 10000);
}

static void
test_pixbuf_too_large (void)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8,
                           DISCERN_IMAGE_MAX_SIDE + 1, 1);
  image = discern_image_new_from_pixbuf (pixbuf, &error);
  g_assert_null (image);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE);
}

/* Expensive pictures: a progressive JPEG is redrawn for every scan. */

#ifdef HAVE_LIBJPEG
/* The most scans libjpeg accepts for one component: the DC scan, then
 * each of the 63 AC coefficients alone, first at 1/256 and refined bit by
 * bit down to full precision. */
#define MAX_GRAY_SCANS (1 + 63 * 9)

/* A grayscale progressive JPEG of width × height in n_scans scans, or in
 * libjpeg's usual progression when n_scans is 0. */
static GBytes *
progressive_jpeg (int width,
                  int height,
                  int n_scans)
{
  struct jpeg_compress_struct compress;
  struct jpeg_error_mgr errors;
  g_autofree jpeg_scan_info *scans = g_new0 (jpeg_scan_info, MAX_GRAY_SCANS);
  g_autofree guint8 *row = g_malloc (width);
  unsigned char *buffer = NULL;
  unsigned long length = 0;
  GBytes *bytes;
  int n = 0;

  g_assert_cmpint (n_scans, <=, MAX_GRAY_SCANS);
  compress.err = jpeg_std_error (&errors);
  jpeg_create_compress (&compress);
  jpeg_mem_dest (&compress, &buffer, &length);
  compress.image_width = width;
  compress.image_height = height;
  compress.input_components = 1;
  compress.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults (&compress);

  if (n_scans == 0) {
    jpeg_simple_progression (&compress);
  } else {
    scans[n++] = (jpeg_scan_info) { 1, { 0 }, 0, 0, 0, 0 };
    for (int k = 1; k <= 63 && n < n_scans; k++) {
      scans[n++] = (jpeg_scan_info) { 1, { 0 }, k, k, 0, 8 };
      for (int bit = 7; bit >= 0 && n < n_scans; bit--) {
        scans[n++] = (jpeg_scan_info) { 1, { 0 }, k, k, bit + 1, bit };
      }
    }
    compress.scan_info = scans;
    compress.num_scans = n;
  }

  jpeg_start_compress (&compress, TRUE);
  while (compress.next_scanline < compress.image_height) {
    JSAMPROW rows[1] = { row };

    for (int x = 0; x < width; x++) {
      row[x] = (x ^ compress.next_scanline) * 7;
    }
    jpeg_write_scanlines (&compress, rows, 1);
  }
  jpeg_finish_compress (&compress);
  jpeg_destroy_compress (&compress);

  bytes = g_bytes_new (buffer, length);
  free (buffer);
  return bytes;
}

static void
test_progressive_ordinary (void)
{
  g_autoptr(GBytes) jpeg = progressive_jpeg (600, 450, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  image = discern_image_new_from_bytes (jpeg, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 600);
}

/* Where the first SOF segment of a JPEG gives its height and width. */
static void
set_jpeg_size (GBytes *jpeg,
               guint16 width,
               guint16 height)
{
  guint8 *data = (guint8 *) g_bytes_get_data (jpeg, NULL);
  gsize length = g_bytes_get_size (jpeg);

  for (gsize i = 2; i + 9 < length; i++) {
    if (data[i] == 0xff && data[i + 1] == 0xc2) {
      data[i + 5] = height >> 8;
      data[i + 6] = height & 0xff;
      data[i + 7] = width >> 8;
      data[i + 8] = width & 0xff;
      return;
    }
  }
  g_assert_not_reached ();
}

/* 500 scans over 4 megapixels would take seconds of redrawing (about 6 s
 * on the machine this was written on, 30 s at 64 megapixels and 200
 * scans): refused from the markers, before any decoding. The scans are
 * those of a small picture whose declared size is then enlarged, since
 * encoding the real thing takes seconds too. Many scans of a small
 * picture are fine. */
static void
test_progressive_too_many_scans (void)
{
  g_autoptr(GBytes) small = progressive_jpeg (64, 48, 500);
  g_autoptr(GBytes) expensive = g_bytes_new (g_bytes_get_data (small, NULL),
                                             g_bytes_get_size (small));
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;
  gint64 start;
  gint64 elapsed;

  set_jpeg_size (expensive, 2000, 2000);
  start = g_get_monotonic_time ();
  image = discern_image_new_from_bytes (expensive, &error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%s (%" G_GINT64_FORMAT " ms)",
                  error != NULL ? error->message : "decoded", elapsed / 1000);
  g_assert_null (image);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "500 scans"));
  g_assert_cmpint (elapsed, <, scaled_us (G_USEC_PER_SEC / 4));
  g_clear_error (&error);

  image = discern_image_new_from_bytes (small, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 64);
}

/* The clock between pieces of data: a decode that runs past the limit
 * stops at the next piece. This one takes about 0.7 s in full. */
static void
test_decode_time_limit (void)
{
  g_autoptr(GBytes) jpeg = progressive_jpeg (800, 800, 300);
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;
  gint64 start;
  gint64 elapsed;

  _discern_image_set_decode_limit_for_tests (50);
  start = g_get_monotonic_time ();
  image = discern_image_new_from_bytes (jpeg, &error);
  elapsed = g_get_monotonic_time () - start;
  _discern_image_set_decode_limit_for_tests (0);

  g_test_message ("%s (%" G_GINT64_FORMAT " ms)",
                  error != NULL ? error->message : "decoded", elapsed / 1000);
  g_assert_null (image);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "too long"));
  g_assert_cmpint (elapsed, <, scaled_us (400 * 1000));
}
#endif

/* Bad data: each case is bytes and the error they must give. */

typedef enum {
  BAD_EMPTY,
  BAD_TEXT,
  BAD_HTML,
  BAD_BINARY,
  BAD_TRUNCATED_PNG,
  BAD_TRUNCATED_JPEG,
  BAD_PNG_CRC,
  BAD_GIF_EMPTY_FRAME,
  BAD_GIF_JUNK_EMPTY_FRAME,
} BadKind;

static const struct {
  const char *name;
  BadKind kind;
  int code;  /* DiscernSourceError */
  const char *message_part;
} bad_cases[] = {
  { "empty", BAD_EMPTY, DISCERN_SOURCE_ERROR_NOT_IMAGE, "empty" },
  { "text", BAD_TEXT, DISCERN_SOURCE_ERROR_NOT_IMAGE, "text" },
  { "html", BAD_HTML, DISCERN_SOURCE_ERROR_NOT_IMAGE, "web page" },
  { "binary", BAD_BINARY, DISCERN_SOURCE_ERROR_UNSUPPORTED, "format" },
  { "truncated-png", BAD_TRUNCATED_PNG, DISCERN_SOURCE_ERROR_CORRUPT, NULL },
  { "truncated-jpeg", BAD_TRUNCATED_JPEG, DISCERN_SOURCE_ERROR_CORRUPT, NULL },
  { "png-crc", BAD_PNG_CRC, DISCERN_SOURCE_ERROR_CORRUPT, "CRC" },
  /* Found by fuzz-image: gdk-pixbuf failed an assertion on it. */
  { "gif-empty-frame", BAD_GIF_EMPTY_FRAME, DISCERN_SOURCE_ERROR_CORRUPT,
    "no pixels" },
  { "gif-junk-empty-frame", BAD_GIF_JUNK_EMPTY_FRAME,
    DISCERN_SOURCE_ERROR_CORRUPT, "no pixels" },
};

/* A GIF whose one frame is 1 pixel wide and 0 high, after stray bytes
 * that gdk-pixbuf skips. */
static GBytes *
gif_with_empty_frame (gsize n_junk)
{
  static const guint8 head[] = {
    'G', 'I', 'F', '8', '9', 'a', 12, 0, 9, 0, 0x80, 0, 0,  /* screen */
    0, 0, 0, 255, 255, 255,                                /* 2 colours */
  };
  static const guint8 junk[] = { 0x02, 0x00, 0x84 };
  static const guint8 frame[] = {
    0x2c, 0, 0, 0, 0, 1, 0, 0, 0, 0,                       /* frame 1x0 */
    2, 2, 0x44, 0x01, 0,                                   /* LZW data */
    0x3b,
  };
  GByteArray *gif = g_byte_array_new ();

  g_byte_array_append (gif, head, sizeof head);
  g_byte_array_append (gif, junk, MIN (n_junk, sizeof junk));
  g_byte_array_append (gif, frame, sizeof frame);
  return g_byte_array_free_to_bytes (gif);
}

static GBytes *
static_text (const char *text)
{
  return g_bytes_new_static (text, strlen (text));
}

static GBytes *
bad_bytes (BadKind kind)
{
  g_autoptr(GdkPixbuf) pixbuf = pixbuf_filled (64, 64, FALSE, noise_pattern);
  g_autoptr(GBytes) whole = NULL;
  GByteArray *binary;
  const guint8 *data;
  gsize length;
  guint8 *copy;

  switch (kind) {
  case BAD_EMPTY:
    return g_bytes_new_static ("", 0);
  case BAD_TEXT:
    return static_text ("Shopping list:\n- café\n- bread\n");
  case BAD_HTML:
    return static_text ("\n<!DOCTYPE html>\n<html><head><title>403 "
                        "Forbidden</title></head><body>No hotlinking"
                        "</body></html>\n");
  case BAD_BINARY:
    binary = g_byte_array_new ();
    for (int i = 0; i < 2048; i++) {
      guint8 byte = (i * 2654435761u) >> 13;

      g_byte_array_append (binary, &byte, 1);
    }
    return g_byte_array_free_to_bytes (binary);
  case BAD_TRUNCATED_PNG:
  case BAD_TRUNCATED_JPEG:
    whole = save_to_bytes (pixbuf, kind == BAD_TRUNCATED_PNG ? "png" : "jpeg");
    data = g_bytes_get_data (whole, &length);
    return g_bytes_new (data, length / 2);
  case BAD_PNG_CRC:
    whole = save_to_bytes (pixbuf, "png");
    data = g_bytes_get_data (whole, &length);
    copy = g_memdup2 (data, length);
    copy[8 + 8 + 13] ^= 0x55;  /* the IHDR CRC's first byte */
    return g_bytes_new_take (copy, length);
  case BAD_GIF_EMPTY_FRAME:
    return gif_with_empty_frame (0);
  case BAD_GIF_JUNK_EMPTY_FRAME:
    return gif_with_empty_frame (3);
  }
  g_assert_not_reached ();
}

static void
test_bad (gconstpointer data)
{
  gsize i = GPOINTER_TO_SIZE (data);
  g_autoptr(GBytes) bytes = bad_bytes (bad_cases[i].kind);
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  image = discern_image_new_from_bytes (bytes, &error);
  g_assert_null (image);
  g_test_message ("%s: %s", bad_cases[i].name, error->message);
  g_assert_error (error, DISCERN_SOURCE_ERROR, bad_cases[i].code);
  if (bad_cases[i].message_part != NULL) {
    g_assert_nonnull (strstr (error->message, bad_cases[i].message_part));
  }
}

/* Files */

static void
test_file_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-image-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.jpg", NULL);

  image = discern_image_new_from_file (missing, &error);
  g_assert_null (image);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);

  image = discern_image_new_from_file (dir, &error);
  g_assert_null (image);
  g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_NOT_IMAGE);
  g_assert_true (g_str_has_prefix (error->message, dir));
  g_clear_error (&error);

  /* A pipe nobody writes to would block; a device could be read forever. */
  {
    g_autofree char *fifo = g_build_filename (dir, "pipe.jpg", NULL);
    const char *specials[] = { fifo, "/dev/zero" };

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    for (gsize i = 0; i < G_N_ELEMENTS (specials); i++) {
      image = discern_image_new_from_file (specials[i], &error);
      g_assert_null (image);
      g_test_message ("%s", error->message);
      g_assert_error (error, DISCERN_SOURCE_ERROR,
                      DISCERN_SOURCE_ERROR_NOT_IMAGE);
      g_clear_error (&error);
    }
  }

  /* A file that opens but fails to read. */
  if (g_file_test ("/proc/self/mem", G_FILE_TEST_EXISTS)) {
    image = discern_image_new_from_file ("/proc/self/mem", &error);
    g_assert_null (image);
    g_assert_error (error, DISCERN_SOURCE_ERROR, DISCERN_SOURCE_ERROR_READ);
  }

  remove_tree (dir);
}

/* A file name with spaces, "#", "%", quotes and non-ASCII letters. */
static void
test_file_odd_name (void)
{
  g_autoptr(GdkPixbuf) pixbuf = pixbuf_filled (5, 3, FALSE, rgb_pattern);
  g_autoptr(GBytes) png = save_to_bytes (pixbuf, "png");
  g_autofree char *dir = g_dir_make_tmp ("test-image-XXXXXX", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DiscernImage) image = NULL;

  path = write_temp (dir, "Café \"noël\" #1 100% 'ü'.png", png);
  image = discern_image_new_from_file (path, &error);
  g_assert_no_error (error);
  assert_pixel (image, 4, 2, rgb_pattern (4, 2), 0);
  remove_tree (dir);
}

/* A file and the same bytes give the same pixels, or the same error with
 * the file name in front. */
static void
check_file_and_bytes_agree (const char *dir,
                            const char *name,
                            GBytes     *bytes)
{
  g_autofree char *path = write_temp (dir, name, bytes);
  g_autofree char *prefix = g_strdup_printf ("%s: ", path);
  g_autoptr(GError) file_error = NULL;
  g_autoptr(GError) bytes_error = NULL;
  g_autoptr(DiscernImage) from_file = NULL;
  g_autoptr(DiscernImage) from_bytes = NULL;

  from_file = discern_image_new_from_file (path, &file_error);
  from_bytes = discern_image_new_from_bytes (bytes, &bytes_error);
  g_test_message ("%s: %s", name,
                  file_error != NULL ? file_error->message : "decoded");

  if (from_bytes == NULL) {
    g_assert_null (from_file);
    g_assert_error (file_error, bytes_error->domain, bytes_error->code);
    g_assert_true (g_str_has_prefix (file_error->message, prefix));
    g_assert_cmpstr (file_error->message + strlen (prefix), ==,
                     bytes_error->message);
    return;
  }
  g_assert_no_error (file_error);
  g_assert_cmpint (from_file->width, ==, from_bytes->width);
  g_assert_cmpint (from_file->height, ==, from_bytes->height);
  g_assert_cmpmem (from_file->pixels,
                   (gsize) from_file->width * from_file->height * 3,
                   from_bytes->pixels,
                   (gsize) from_bytes->width * from_bytes->height * 3);
}

static void
test_file_and_bytes_agree (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-image-XXXXXX", NULL);
  g_autoptr(GdkPixbuf) pixbuf = pixbuf_filled (64, 64, FALSE, noise_pattern);
  g_autoptr(GBytes) png = save_to_bytes (pixbuf, "png");
  g_autoptr(GBytes) jpeg = save_to_bytes (pixbuf, "jpeg");
  g_autoptr(GBytes) rotated = jpeg_with_orientation (jpeg, 6);

  check_file_and_bytes_agree (dir, "noise.png", png);
  check_file_and_bytes_agree (dir, "noise.jpg", jpeg);
  check_file_and_bytes_agree (dir, "rotated.jpg", rotated);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    g_autoptr(GBytes) bytes = bad_bytes (bad_cases[i].kind);

    check_file_and_bytes_agree (dir, bad_cases[i].name, bytes);
  }
  remove_tree (dir);
}

/* The shared collection of odd files, when this checkout has it next to
 * it: OK files decode, upright, to the size gdk-pixbuf reports; ERR and
 * REJECT files are refused, REJECT quickly and as too large; ANY files
 * either way. A file and its bytes always agree, and nothing takes long. */

/* The longest any file of the collection may take, hanging or not. */
#define TRICKY_MAX_US (3 * G_USEC_PER_SEC)

static char *
tricky_root (void)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autofree char *root = NULL;
  g_autofree char *index_path = NULL;

  root = g_build_filename (srcdir != NULL ? srcdir : ".", "..", "..",
                           "shared", "testdata", "tricky", NULL);
  index_path = g_build_filename (root, "INDEX.tsv", NULL);
  if (!g_file_test (index_path, G_FILE_TEST_IS_REGULAR)) {
    return NULL;
  }
  return g_steal_pointer (&root);
}

static DiscernImage *
load_tricky (const char  *root,
             const char  *name,
             GError     **error)
{
  g_autofree char *path = g_build_filename (root, name, NULL);

  return discern_image_new_from_file (path, error);
}

/* The upright size gdk-pixbuf found ("oriented=WxH" in the index). */
static gboolean
expected_size (const char *gdk_pixbuf_result,
               int        *width,
               int        *height)
{
  const char *oriented = strstr (gdk_pixbuf_result, "oriented=");

  return oriented != NULL &&
         sscanf (oriented, "oriented=%dx%d", width, height) == 2;
}

static void
check_tricky_file (const char  *root,
                   char       **fields)
{
  g_autofree char *path = g_build_filename (root, fields[0], NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) bytes_error = NULL;
  g_autoptr(DiscernImage) image = NULL;
  g_autoptr(DiscernImage) from_bytes = NULL;
  const char *expect = fields[2];
  gsize length = 0;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  int width, height;

  image = discern_image_new_from_file (path, &error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%s %s: %s (%" G_GINT64_FORMAT " ms)", expect, fields[0],
                  error != NULL ? error->message : "decoded", elapsed / 1000);
  g_assert_cmpint (elapsed, <, scaled_us (TRICKY_MAX_US));

  if (g_str_equal (expect, "OK")) {
    g_assert_no_error (error);
    if (!g_str_has_suffix (fields[0], ".svg") &&
        expected_size (fields[5], &width, &height)) {
      g_assert_cmpint (image->width, ==, width);
      g_assert_cmpint (image->height, ==, height);
    }
  } else if (g_str_equal (expect, "ERR")) {
    g_assert_null (image);
    g_assert_true (error->domain == DISCERN_SOURCE_ERROR);
  } else if (g_str_equal (expect, "REJECT")) {
    g_assert_error (error, DISCERN_SOURCE_ERROR,
                    DISCERN_SOURCE_ERROR_TOO_LARGE);
    g_assert_cmpint (elapsed, <, scaled_us (G_USEC_PER_SEC));
  } else {
    g_assert_true (image != NULL || error->domain == DISCERN_SOURCE_ERROR);
  }

  /* The same bytes, as from a download. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  from_bytes = discern_image_new_from_bytes (bytes, &bytes_error);
  if (image == NULL) {
    g_assert_null (from_bytes);
    g_assert_nonnull (strstr (error->message, bytes_error->message));
  } else {
    g_assert_no_error (bytes_error);
    g_assert_cmpmem (image->pixels, (gsize) image->width * image->height * 3,
                     from_bytes->pixels,
                     (gsize) from_bytes->width * from_bytes->height * 3);
  }
}

static void
test_tricky_collection (void)
{
  g_autofree char *root = tricky_root ();
  g_autofree char *index_path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  int checked = 0;

  if (root == NULL) {
    g_test_skip ("no shared test data next to this checkout");
    return;
  }
  index_path = g_build_filename (root, "INDEX.tsv", NULL);
  g_assert_true (g_file_get_contents (index_path, &contents, NULL, NULL));

  lines = g_strsplit (contents, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++) {
    g_auto(GStrv) fields = g_strsplit (lines[i], "\t", 7);

    if (g_strv_length (fields) < 6) {
      continue;
    }
    check_tricky_file (root, fields);
    checked++;
  }
  g_assert_cmpint (checked, >, 0);
}

/* Mean absolute difference of two pictures of one size, per channel. */
static double
mean_difference (const DiscernImage *a,
                 const DiscernImage *b)
{
  gsize n = (gsize) a->width * a->height * 3;
  guint64 total = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize i = 0; i < n; i++) {
    total += ABS (a->pixels[i] - b->pixels[i]);
  }
  return (double) total / n;
}

/* Landscape_N.jpg stores one photo turned by EXIF orientation N (0 is no
 * tag); upright, they differ only in the digit drawn on them. Each one
 * turned any other way differs far more. */
#define UPRIGHT_SAME 6.0

static void
test_tricky_exif_upright (void)
{
  g_autofree char *root = tricky_root ();
  g_autoptr(DiscernImage) reference = NULL;
  g_autoptr(GError) error = NULL;

  if (root == NULL) {
    g_test_skip ("no shared test data next to this checkout");
    return;
  }
  reference = load_tricky (root, "exif/Landscape_1.jpg", &error);
  g_assert_no_error (error);

  for (int n = 0; n <= 8; n++) {
    g_autofree char *name = g_strdup_printf ("exif/Landscape_%d.jpg", n);
    g_autoptr(DiscernImage) image = load_tricky (root, name, &error);
    double difference;

    g_assert_no_error (error);
    difference = mean_difference (reference, image);
    g_test_message ("%s differs from Landscape_1 by %.2f", name, difference);
    g_assert_cmpfloat (difference, <, UPRIGHT_SAME);
  }
}

/* Photoshop's inverted CMYK JPEG and the same picture saved as RGB. */
#define CMYK_SAME 8.0

static void
test_tricky_cmyk (void)
{
  g_autofree char *root = tricky_root ();
  g_autoptr(DiscernImage) cmyk = NULL;
  g_autoptr(DiscernImage) rgb = NULL;
  g_autoptr(GError) error = NULL;
  double difference;

  if (root == NULL) {
    g_test_skip ("no shared test data next to this checkout");
    return;
  }
  cmyk = load_tricky (root, "jpeg/cmyk_adobe.jpg", &error);
  g_assert_no_error (error);
  rgb = load_tricky (root, "jpeg/cmyk_reference_rgb.jpg", &error);
  g_assert_no_error (error);
  difference = mean_difference (cmyk, rgb);
  g_test_message ("CMYK and RGB differ by %.2f", difference);
  g_assert_cmpfloat (difference, <, CMYK_SAME);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sources/image/rgb", test_rgb_png);
  g_test_add_func ("/sources/image/alpha-on-white", test_rgba_png);
  g_test_add_func ("/sources/image/alpha-on-white-pixbuf", test_rgba_pixbuf);
  g_test_add_func ("/sources/image/grayscale", test_grayscale_png);
  g_test_add_func ("/sources/image/exif-orientation", test_exif_orientation);
  g_test_add_func ("/sources/image/pixbuf-orientation",
                   test_pixbuf_orientation);
  g_test_add_func ("/sources/image/orientation-matches-gdk-pixbuf",
                   test_orientation_matches_gdk_pixbuf);
  g_test_add_func ("/sources/image/jpeg-end", test_jpeg_end);
  g_test_add_func ("/sources/image/declared-size-bomb",
                   test_declared_size_bomb);
  g_test_add_func ("/sources/image/pixbuf-too-large", test_pixbuf_too_large);
#ifdef HAVE_LIBJPEG
  g_test_add_func ("/sources/image/progressive/ordinary",
                   test_progressive_ordinary);
  g_test_add_func ("/sources/image/progressive/too-many-scans",
                   test_progressive_too_many_scans);
  g_test_add_func ("/sources/image/decode-time-limit",
                   test_decode_time_limit);
#endif
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/sources/image/bad/%s",
                                             bad_cases[i].name);

    g_test_add_data_func (path, GSIZE_TO_POINTER (i), test_bad);
  }
  g_test_add_func ("/sources/image/file-errors", test_file_errors);
  g_test_add_func ("/sources/image/file-odd-name", test_file_odd_name);
  g_test_add_func ("/sources/image/file-and-bytes-agree",
                   test_file_and_bytes_agree);
  g_test_add_func ("/sources/image/tricky/collection", test_tricky_collection);
  g_test_add_func ("/sources/image/tricky/exif-upright",
                   test_tricky_exif_upright);
  g_test_add_func ("/sources/image/tricky/cmyk", test_tricky_cmyk);

  return g_test_run ();
}
