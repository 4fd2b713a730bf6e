/* discern-result.c: the class probabilities of one classified picture
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "discern-result.h"

#include "dn-labels.h"

struct _DiscernResult
{
  gatomicrefcount ref_count;

  guint           n_classes;
  float          *probabilities;

  /* Shared with the classifier that loaded the labels; immutable. */
  GPtrArray      *names;
  GPtrArray      *wnids;

  guint           n_top;
  guint           top[DISCERN_RESULT_MAX_TOP];
};

G_DEFINE_BOXED_TYPE (DiscernResult, discern_result,
                     discern_result_ref, discern_result_unref)

DiscernResult *
discern_result_new (const float *probabilities,
                    guint        n_classes,
                    GPtrArray   *names,
                    GPtrArray   *wnids)
{
  DnPrediction top[DISCERN_RESULT_MAX_TOP];
  DiscernResult *self;

  g_return_val_if_fail (probabilities != NULL, NULL);
  g_return_val_if_fail (n_classes > 0, NULL);
  g_return_val_if_fail (names != NULL && names->len == n_classes, NULL);
  g_return_val_if_fail (wnids != NULL && wnids->len == n_classes, NULL);

  self = g_new0 (DiscernResult, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->n_classes = n_classes;
  self->probabilities = g_memdup2 (probabilities, n_classes * sizeof (float));
  self->names = g_ptr_array_ref (names);
  self->wnids = g_ptr_array_ref (wnids);

  self->n_top = dn_top_k (top, probabilities, n_classes, DISCERN_RESULT_MAX_TOP);
  for (guint i = 0; i < self->n_top; i++) {
    self->top[i] = top[i].index;
  }

  return self;
}

DiscernResult *
discern_result_ref (DiscernResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
discern_result_unref (DiscernResult *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count)) {
    g_ptr_array_unref (self->names);
    g_ptr_array_unref (self->wnids);
    g_free (self->probabilities);
    g_free (self);
  }
}

guint
discern_result_get_n_classes (DiscernResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_classes;
}

float
discern_result_get_probability (DiscernResult *self,
                                guint          class_index)
{
  g_return_val_if_fail (self != NULL, 0.f);
  g_return_val_if_fail (class_index < self->n_classes, 0.f);

  return self->probabilities[class_index];
}

const char *
discern_result_get_name (DiscernResult *self,
                         guint          class_index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (class_index < self->n_classes, NULL);

  return g_ptr_array_index (self->names, class_index);
}

const char *
discern_result_get_wnid (DiscernResult *self,
                         guint          class_index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (class_index < self->n_classes, NULL);

  return g_ptr_array_index (self->wnids, class_index);
}

/* How many ranked classes are kept: DISCERN_RESULT_MAX_TOP, or fewer for a
 * network with fewer classes. */
guint
discern_result_get_n_top (DiscernResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_top;
}

guint
discern_result_get_top_class (DiscernResult *self,
                              guint          rank)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (rank < self->n_top, 0);

  return self->top[rank];
}

/* A class name for people: Keras joins words with underscores
 * ("golden_retriever"); exports keep Keras' spelling. */
char *
discern_result_display_name (const char *name)
{
  char *display = g_strdup (name != NULL ? name : "");

  g_strdelimit (display, "_", ' ');
  return display;
}
