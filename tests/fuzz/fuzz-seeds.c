/* fuzz-seeds.c: writes the fuzzers' starting inputs, made here rather than
 * copied from anywhere
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   fuzz-seeds DIR STAMP
 *
 * fills DIR/seeds-image (small pictures in every format gdk-pixbuf writes
 * here, and hand-made GIF, TGA, PNM, XPM, SVG, web page and text), DIR/
 * seeds-weights (recipes for fuzz-weights), DIR/seeds-weights-raw (small
 * Keras weight files in each layout the reader knows) and DIR/seeds-url
 * (links), creates the empty corpus folders the fuzzers add to, and
 * touches STAMP.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#ifdef HAVE_LIBJPEG
#include <stdio.h>
#include <jpeglib.h>
#endif

#include "h5-writer.h"

/* Pictures are this small so that each run of the fuzzer is quick. */
#define WIDTH  12
#define HEIGHT 9

static const char *const targets[] = {
  "image", "weights", "weights-raw", "url",
};

static char *
make_dir (const char *parent,
          const char *kind,
          const char *name)
{
  g_autofree char *base = g_strconcat (kind, "-", name, NULL);
  char *dir = g_build_filename (parent, base, NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0) {
    g_error ("cannot make %s", dir);
  }
  return dir;
}

static void
write_seed (const char   *dir,
            const char   *name,
            const void   *data,
            gsize         length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, data, length, &error)) {
    g_error ("%s", error->message);
  }
}

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  write_seed (dir, name, text, strlen (text));
}

/* Pictures */

static GdkPixbuf *
noise_pixbuf (gboolean alpha)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, WIDTH,
                                      HEIGHT);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = alpha ? 4 : 3;

  for (int y = 0; y < HEIGHT; y++) {
    for (int x = 0; x < WIDTH; x++) {
      guint32 hash = (x * 73856093u) ^ (y * 19349663u);

      for (int c = 0; c < channels; c++) {
        pixels[y * rowstride + x * channels + c] = hash >> (8 * c);
      }
    }
  }
  return pixbuf;
}

/* The picture in every format this gdk-pixbuf can write. */
static void
write_saved_formats (const char *dir)
{
  GSList *formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next) {
    g_autofree char *name = gdk_pixbuf_format_get_name (l->data);

    if (!gdk_pixbuf_format_is_writable (l->data)) {
      continue;
    }
    for (int alpha = 0; alpha <= 1; alpha++) {
      g_autoptr(GdkPixbuf) pixbuf = noise_pixbuf (alpha);
      g_autofree char *file = g_strdup_printf ("saved-%s%s", name,
                                               alpha ? "-alpha" : "");
      g_autofree char *buffer = NULL;
      gsize length;

      if (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, name, NULL,
                                     NULL)) {
        write_seed (dir, file, buffer, length);
      }
    }
  }
  g_slist_free (formats);
}

/* A JPEG with an EXIF APP1 segment holding an Orientation of 6. */
static void
write_exif_jpeg (const char *dir)
{
  static const guint8 exif[] = {
    0xff, 0xe1, 0x00, 34, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0, 0, 0, 8, 0x00, 0x01,
    0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 6, 0x00, 0x00,
    0, 0, 0, 0,
  };
  g_autoptr(GdkPixbuf) pixbuf = noise_pixbuf (FALSE);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree char *jpeg = NULL;
  gsize length;

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &length, "jpeg", NULL,
                                  NULL)) {
    return;
  }
  g_byte_array_append (out, (const guint8 *) jpeg, 2);
  g_byte_array_append (out, exif, sizeof exif);
  g_byte_array_append (out, (const guint8 *) jpeg + 2, length - 2);
  write_seed (dir, "exif-orientation-6.jpg", out->data, out->len);
}

#ifdef HAVE_LIBJPEG
/* libjpeg's usual progression: several scans, as cameras rarely but web
 * sites often write. */
static void
write_progressive_jpeg (const char *dir)
{
  struct jpeg_compress_struct compress;
  struct jpeg_error_mgr errors;
  unsigned char *buffer = NULL;
  unsigned long length = 0;
  guint8 row[WIDTH * 3];

  compress.err = jpeg_std_error (&errors);
  jpeg_create_compress (&compress);
  jpeg_mem_dest (&compress, &buffer, &length);
  compress.image_width = WIDTH;
  compress.image_height = HEIGHT;
  compress.input_components = 3;
  compress.in_color_space = JCS_RGB;
  jpeg_set_defaults (&compress);
  jpeg_simple_progression (&compress);
  jpeg_start_compress (&compress, TRUE);
  while (compress.next_scanline < compress.image_height) {
    JSAMPROW rows[1] = { row };

    for (int i = 0; i < WIDTH * 3; i++) {
      row[i] = (i * 29 + compress.next_scanline * 53) & 0xff;
    }
    jpeg_write_scanlines (&compress, rows, 1);
  }
  jpeg_finish_compress (&compress);
  jpeg_destroy_compress (&compress);
  write_seed (dir, "progressive.jpg", buffer, length);
  free (buffer);
}
#endif

/* Packs LZW codes of code_size bits, least significant bit first. */
typedef struct {
  GByteArray *out;
  guint32     bits;
  guint       n_bits;
} BitWriter;

static void
put_code (BitWriter *writer,
          guint      code,
          guint      code_size)
{
  writer->bits |= code << writer->n_bits;
  writer->n_bits += code_size;
  while (writer->n_bits >= 8) {
    guint8 byte = writer->bits & 0xff;

    g_byte_array_append (writer->out, &byte, 1);
    writer->bits >>= 8;
    writer->n_bits -= 8;
  }
}

/* A 4-colour GIF: every pixel is its own LZW code, with a clear code
 * before the table would grow past 3-bit codes. */
static void
write_gif (const char *dir)
{
  static const guint8 head[] = {
    'G', 'I', 'F', '8', '9', 'a', WIDTH, 0, HEIGHT, 0, 0xf1, 0, 0,
    0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255,            /* palette */
    0x21, 0xf9, 4, 0x01, 0, 0, 3, 0,                      /* colour 3 clear */
    0x2c, 0, 0, 0, 0, WIDTH, 0, HEIGHT, 0, 0, 2,          /* frame, LZW 2 */
  };
  g_autoptr(GByteArray) gif = g_byte_array_new ();
  g_autoptr(GByteArray) codes = g_byte_array_new ();
  BitWriter writer = { codes, 0, 0 };
  const guint clear = 4, end = 5;

  put_code (&writer, clear, 3);
  for (int i = 0; i < WIDTH * HEIGHT; i++) {
    put_code (&writer, (i * 7 + i / WIDTH) % 4, 3);
    if (i % 2 == 1) {
      put_code (&writer, clear, 3);
    }
  }
  put_code (&writer, end, 3);
  put_code (&writer, 0, 7);

  g_byte_array_append (gif, head, sizeof head);
  for (guint offset = 0; offset < codes->len; offset += 255) {
    guint8 block = MIN (codes->len - offset, 255);

    g_byte_array_append (gif, &block, 1);
    g_byte_array_append (gif, codes->data + offset, block);
  }
  g_byte_array_append (gif, (const guint8 *) "\0;", 2);
  write_seed (dir, "palette.gif", gif->data, gif->len);
}

/* An uncompressed true-colour TGA, bottom-up as the format has it. */
static void
write_tga (const char *dir)
{
  guint8 head[18] = { 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                      WIDTH, 0, HEIGHT, 0, 24, 0 };
  g_autoptr(GByteArray) tga = g_byte_array_new ();

  g_byte_array_append (tga, head, sizeof head);
  for (int i = 0; i < WIDTH * HEIGHT * 3; i++) {
    guint8 byte = i * 13;

    g_byte_array_append (tga, &byte, 1);
  }
  write_seed (dir, "truecolour.tga", tga->data, tga->len);
}

static void
write_text_formats (const char *dir)
{
  g_autoptr(GString) pnm = g_string_new (NULL);

  g_string_printf (pnm, "P6\n# seed\n%d %d\n255\n", WIDTH, HEIGHT);
  for (int i = 0; i < WIDTH * HEIGHT * 3; i++) {
    g_string_append_c (pnm, (char) (i * 31 + 1));
  }
  write_seed (dir, "colour.ppm", pnm->str, pnm->len);
  write_text (dir, "gray.pgm", "P2\n3 2\n15\n0 5 10\n15 10 5\n");

  write_text (dir, "icon.xpm",
              "/* XPM */\nstatic char *icon[] = {\n\"4 3 2 1\",\n"
              "\". c #ff0000\",\n\"# c None\",\n\"..##\",\n\"#..#\",\n"
              "\"##..\"\n};\n");
  write_text (dir, "drawing.svg",
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" "
              "height=\"30\" viewBox=\"0 0 4 3\"><rect width=\"4\" "
              "height=\"3\" fill=\"#36c\"/><circle cx=\"2\" cy=\"1.5\" "
              "r=\"1\" fill=\"red\" opacity=\"0.5\"/></svg>\n");
  write_text (dir, "page.html",
              "<!DOCTYPE html><html><head><title>403 Forbidden</title>"
              "</head><body>No hotlinking</body></html>\n");
  write_text (dir, "words.txt", "Shopping list:\n- café\n- bread\n");
}

static void
write_image_seeds (const char *dir)
{
  write_saved_formats (dir);
  write_exif_jpeg (dir);
#ifdef HAVE_LIBJPEG
  write_progressive_jpeg (dir);
#endif
  write_gif (dir);
  write_tga (dir);
  write_text_formats (dir);
}

/* Weight files */

/* A small VGG-like network: 8x8x3 in; two pools leave 2x2x4 = 16. */
static const H5wLayerSpec small_layers[] = {
  { H5W_CONV, "block1_conv1", 2 },
  { H5W_POOL, "block1_pool", 0 },
  { H5W_CONV, "block2_conv1", 4 },
  { H5W_POOL, "block2_pool", 0 },
  { H5W_FLATTEN, "flatten", 0 },
  { H5W_DENSE, "fc1", 5 },
  { H5W_DENSE, "predictions", 3 },
};

static const H5wLayerSpec conv_only_layers[] = {
  { H5W_CONV, "block1_conv1", 2 },
  { H5W_POOL, "block1_pool", 0 },
};

static void
write_model (const char         *dir,
             const char         *name,
             const H5wLayerSpec *layers,
             guint               n_layers,
             int                 input_size,
             const H5wOptions   *options)
{
  g_autoptr(H5wModel) model = h5w_model_new_random (layers, n_layers,
                                                    input_size, 7);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!h5w_model_write (model, path, options, &error)) {
    g_error ("%s", error->message);
  }
}

static void
write_weight_seeds (const char *dir)
{
  static const struct {
    const char *name;
    H5wOptions  options;
  } layouts[] = {
    { "keras-old.h5", { .input_layer = TRUE } },
    { "keras-new.h5", { .naming = H5W_NAMING_NEW } },
    { "chunked.h5", { .storage = H5W_STORAGE_CHUNKED } },
    { "big-endian.h5", { .dtype = H5W_DTYPE_F32BE } },
    { "float64.h5", { .dtype = H5W_DTYPE_F64LE } },
    { "vlen-names.h5", { .vlen_strings = TRUE } },
    { "userblock.h5", { .userblock = TRUE } },
    { "model-save.h5", { .model_weights = TRUE, .naming = H5W_NAMING_NEW } },
    { "split-lists.h5", { .split_lists = TRUE } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (layouts); i++) {
    write_model (dir, layouts[i].name, small_layers,
                 G_N_ELEMENTS (small_layers), 8, &layouts[i].options);
  }
  write_model (dir, "conv-only.h5", conv_only_layers,
               G_N_ELEMENTS (conv_only_layers), 224, NULL);
}

/* Recipes for fuzz-weights, byte by byte as it reads them: layers - 1,
 * side - 1, then kind, units - 1 and name of each layer, a seed, layout
 * flags, naming, storage, data type, then what to spoil. */
static void
write_recipe_seeds (const char *dir)
{
  static const guint8 vgg_like[] = {
    6, 7,
    0, 1, 0,   1, 0, 1,   0, 3, 0,   1, 0, 1,   2, 0, 2,
    3, 4, 3,   3, 2, 4,
    42, 0, 0, 0, 0,
  };
  static const guint8 spoiled[][10] = {
    { 1, 1, 1, 1, 3, 7 },                      /* NaN in the dense kernel */
    { 1, 1, 1, 0, 1, 3 },                      /* huge value */
    { 0, 1, 0, 0, 1, 2, 3, 4, 5, 6 },          /* another shape */
    { 0, 1, 1, 0 },                            /* no layer_names */
    { 0, 1, 2, 0 },                            /* no weight_names */
    { 0, 1, 3, 0, 1 },                         /* a layer group gone */
  };
  static const guint8 layouts[] = { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f };

  write_seed (dir, "recipe-vgg-like", vgg_like, sizeof vgg_like);
  for (gsize i = 0; i < G_N_ELEMENTS (layouts); i++) {
    g_autofree char *name = g_strdup_printf ("recipe-layout-%02x",
                                             layouts[i]);
    guint8 recipe[sizeof vgg_like + 3];

    memcpy (recipe, vgg_like, sizeof vgg_like);
    recipe[sizeof vgg_like - 4] = layouts[i];
    recipe[sizeof vgg_like - 3] = i % 2;        /* naming */
    recipe[sizeof vgg_like - 2] = i / 2 % 2;    /* storage */
    recipe[sizeof vgg_like - 1] = i % 3;        /* data type */
    memset (recipe + sizeof vgg_like, 0, 3);
    write_seed (dir, name, recipe, sizeof recipe);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (spoiled); i++) {
    g_autofree char *name = g_strdup_printf ("recipe-spoiled-%" G_GSIZE_FORMAT,
                                             i);
    guint8 recipe[sizeof vgg_like + sizeof spoiled[0]];

    memcpy (recipe, vgg_like, sizeof vgg_like);
    memcpy (recipe + sizeof vgg_like, spoiled[i], sizeof spoiled[i]);
    write_seed (dir, name, recipe, sizeof recipe);
  }
}

/* Links */

static void
write_url_seeds (const char *dir)
{
  static const char *const urls[] = {
    "https://example.org/photos/cat.jpg?size=large#top",
    "http://user:secret@example.org:8080/a%20b/c.png",
    "https://[::1]:8443/picture",
    "ftp://example.org/cat.jpg",
    "file:///home/me/caf%C3%A9.jpg",
    "data:,hello",
    "data:text/plain;charset=utf-8,caf%C3%A9",
    "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
    "data:;base64,-_-_aGVs%2BbG8=\r\n",
    "javascript:alert(1)",
    "/home/me/cat.jpg",
  };

  g_autoptr(GdkPixbuf) pixbuf = noise_pixbuf (TRUE);
  g_autofree char *png = NULL;
  g_autofree char *base64 = NULL;
  g_autofree char *picture_url = NULL;
  gsize length;

  for (gsize i = 0; i < G_N_ELEMENTS (urls); i++) {
    g_autofree char *name = g_strdup_printf ("url-%02" G_GSIZE_FORMAT, i);

    write_text (dir, name, urls[i]);
  }

  if (gdk_pixbuf_save_to_buffer (pixbuf, &png, &length, "png", NULL, NULL)) {
    base64 = g_base64_encode ((const guchar *) png, length);
    picture_url = g_strconcat ("data:image/png;base64,", base64, NULL);
    write_text (dir, "url-picture", picture_url);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *image_dir = NULL;
  g_autofree char *weights_dir = NULL;
  g_autofree char *raw_dir = NULL;
  g_autofree char *url_dir = NULL;

  if (argc != 3) {
    g_printerr ("usage: fuzz-seeds DIR STAMP\n");
    return 2;
  }

  image_dir = make_dir (argv[1], "seeds", "image");
  weights_dir = make_dir (argv[1], "seeds", "weights");
  raw_dir = make_dir (argv[1], "seeds", "weights-raw");
  url_dir = make_dir (argv[1], "seeds", "url");
  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++) {
    g_free (make_dir (argv[1], "corpus", targets[i]));
  }

  write_image_seeds (image_dir);
  write_recipe_seeds (weights_dir);
  write_weight_seeds (raw_dir);
  write_url_seeds (url_dir);
  write_text (".", argv[2], "");
  return 0;
}
