/* discern-pixel-view.c: a picture enlarged without smoothing
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network's input is small; shown larger with the usual filtering it
 * would look sharper or blurrier than what the network really gets, so it
 * is drawn with nearest-neighbour scaling, like the notebook's imshow().
 * GTK 4.8 has no scaling filter for texture nodes, so the drawing goes
 * through cairo with CAIRO_FILTER_NEAREST.
 */

#include "config.h"

#include "discern-pixel-view.h"

struct _DiscernPixelView
{
  GtkWidget   parent_instance;

  /* owned */
  GdkTexture      *texture;
  cairo_surface_t *surface;
};

G_DEFINE_FINAL_TYPE (DiscernPixelView, discern_pixel_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
discern_pixel_view_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  DiscernPixelView *self = DISCERN_PIXEL_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int texture_width, texture_height;
  double scale, x, y;
  cairo_t *cr;

  if (self->surface == NULL || width <= 0 || height <= 0) {
    return;
  }

  texture_width = gdk_texture_get_width (self->texture);
  texture_height = gdk_texture_get_height (self->texture);
  scale = MIN ((double) width / texture_width, (double) height / texture_height);
  x = floor ((width - texture_width * scale) / 2);
  y = floor ((height - texture_height * scale) / 2);

  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (x, y,
                                                       texture_width * scale,
                                                       texture_height * scale));
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, self->surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static void
discern_pixel_view_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  DiscernPixelView *self = DISCERN_PIXEL_VIEW (widget);

  *minimum = 0;
  *natural = 0;
  if (self->texture != NULL) {
    *natural = orientation == GTK_ORIENTATION_HORIZONTAL
               ? gdk_texture_get_width (self->texture)
               : gdk_texture_get_height (self->texture);
  }
}

static void
discern_pixel_view_dispose (GObject *object)
{
  DiscernPixelView *self = DISCERN_PIXEL_VIEW (object);

  g_clear_object (&self->texture);
  g_clear_pointer (&self->surface, cairo_surface_destroy);

  G_OBJECT_CLASS (discern_pixel_view_parent_class)->dispose (object);
}

static void
discern_pixel_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DiscernPixelView *self = DISCERN_PIXEL_VIEW (object);

  switch (prop_id) {
  case PROP_TEXTURE:
    g_value_set_object (value, self->texture);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_pixel_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DiscernPixelView *self = DISCERN_PIXEL_VIEW (object);

  switch (prop_id) {
  case PROP_TEXTURE:
    discern_pixel_view_set_texture (self, g_value_get_object (value));
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_pixel_view_class_init (DiscernPixelViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = discern_pixel_view_dispose;
  object_class->get_property = discern_pixel_view_get_property;
  object_class->set_property = discern_pixel_view_set_property;

  widget_class->snapshot = discern_pixel_view_snapshot;
  widget_class->measure = discern_pixel_view_measure;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL,
                         GDK_TYPE_TEXTURE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "pixelview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
discern_pixel_view_init (DiscernPixelView *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
discern_pixel_view_new (void)
{
  return g_object_new (DISCERN_TYPE_PIXEL_VIEW, NULL);
}

GdkTexture *
discern_pixel_view_get_texture (DiscernPixelView *self)
{
  g_return_val_if_fail (DISCERN_IS_PIXEL_VIEW (self), NULL);

  return self->texture;
}

void
discern_pixel_view_set_texture (DiscernPixelView *self,
                                GdkTexture       *texture)
{
  g_return_if_fail (DISCERN_IS_PIXEL_VIEW (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (!g_set_object (&self->texture, texture)) {
    return;
  }

  g_clear_pointer (&self->surface, cairo_surface_destroy);
  if (texture != NULL) {
    self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                gdk_texture_get_width (texture),
                                                gdk_texture_get_height (texture));
    gdk_texture_download (texture, cairo_image_surface_get_data (self->surface),
                          cairo_image_surface_get_stride (self->surface));
    cairo_surface_mark_dirty (self->surface);
  }

  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}
