/* discern-model-downloader.c: the model download, its progress and speed
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns one downloader, so that a download goes on while
 * windows come and go and quitting can ask before it stops one. The files
 * are fetched by discern_model_download_async(); this adds what the window
 * shows: a state, the bytes with a speed measured over the last seconds,
 * and the error of a failed attempt.
 */

#include "config.h"

#include "discern-model-downloader.h"

#include "discern-model-download.h"

/* Progress is told at most this often: a fast link brings a chunk every
 * few milliseconds. */
#define NOTIFY_INTERVAL_US (200 * 1000)

/* The speed is measured over this much of the recent past, so that it
 * follows changes without jumping with every chunk. */
#define SPEED_WINDOW_US    (5 * G_USEC_PER_SEC)
#define SPEED_MIN_SPAN_US  (500 * 1000)

/* How long quitting waits for a cancelled download to close its part. */
#define SHUTDOWN_WAIT_US   (2 * G_USEC_PER_SEC)

typedef struct {
  gint64  time;
  goffset received;
} Sample;

/* One attempt; progress and completion for an attempt that was cancelled
 * or replaced are dropped. */
typedef struct {
  DiscernModelDownloader *downloader;
  guint                   serial;
} Attempt;

struct _DiscernModelDownloader
{
  GObject                 parent_instance;

  /* owned */
  SoupSession            *session;
  GCancellable           *cancellable;
  GError                 *error;
  GArray                 *samples;

  /* state */
  DiscernDownloaderState  state;
  DiscernModelNeeds       needs;
  guint                   serial;
  guint                   n_pending;
  int                     kind;
  goffset                 received;
  goffset                 total;
  double                  speed;
  gint64                  last_notify;
};

G_DEFINE_FINAL_TYPE (DiscernModelDownloader, discern_model_downloader, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (DiscernDownloaderState, discern_downloader_state,
  G_DEFINE_ENUM_VALUE (DISCERN_DOWNLOADER_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (DISCERN_DOWNLOADER_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (DISCERN_DOWNLOADER_FAILED, "failed"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_RECEIVED,
  N_PROPS
};

enum {
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
attempt_free (Attempt *attempt)
{
  g_object_unref (attempt->downloader);
  g_free (attempt);
}

static void
set_state (DiscernModelDownloader *self,
           DiscernDownloaderState  state)
{
  if (self->state == state) {
    return;
  }

  g_debug ("downloader: state %d -> %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Bytes per second between the oldest sample in the window and now. */
static void
update_speed (DiscernModelDownloader *self,
              gint64                  now)
{
  Sample sample = { now, self->received };
  const Sample *oldest;

  g_array_append_val (self->samples, sample);
  while (self->samples->len > 2
         && now - g_array_index (self->samples, Sample, 1).time > SPEED_WINDOW_US) {
    g_array_remove_index (self->samples, 0);
  }

  oldest = &g_array_index (self->samples, Sample, 0);
  if (now - oldest->time >= SPEED_MIN_SPAN_US) {
    self->speed = (double) (self->received - oldest->received) * G_USEC_PER_SEC
                  / (now - oldest->time);
  }
}

static void
progress_cb (const DiscernModelProgress *progress,
             gpointer                    user_data)
{
  Attempt *attempt = user_data;
  DiscernModelDownloader *self = attempt->downloader;
  gint64 now = g_get_monotonic_time ();
  gboolean new_file;

  if (attempt->serial != self->serial) {
    return;
  }

  /* A file's first call may jump by the part it resumes: the speed is
   * measured from there. */
  new_file = self->kind != (int) progress->kind;
  if (new_file) {
    self->kind = progress->kind;
    g_array_set_size (self->samples, 0);
  }

  self->received = progress->received;
  self->total = progress->total;
  update_speed (self, now);

  if (new_file || now - self->last_notify >= NOTIFY_INTERVAL_US
      || self->received == self->total) {
    self->last_notify = now;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
  }
}

static void
downloaded_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Attempt *attempt = user_data;
  g_autoptr(DiscernModelDownloader) self = g_object_ref (attempt->downloader);
  g_autoptr(GError) error = NULL;
  gboolean current = attempt->serial == self->serial;
  gboolean done;

  attempt_free (attempt);
  self->n_pending--;
  done = discern_model_download_finish (result, &error);
  if (!current) {
    return;
  }

  if (!done) {
    g_debug ("downloader: failed: %s", error->message);
    g_clear_error (&self->error);
    self->error = g_steal_pointer (&error);
    set_state (self, DISCERN_DOWNLOADER_FAILED);
    return;
  }

  g_debug ("downloader: the model files are in place");
  set_state (self, DISCERN_DOWNLOADER_IDLE);
  g_signal_emit (self, signals[FINISHED], 0);
}

static void
discern_model_downloader_dispose (GObject *object)
{
  DiscernModelDownloader *self = DISCERN_MODEL_DOWNLOADER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (discern_model_downloader_parent_class)->dispose (object);
}

static void
discern_model_downloader_finalize (GObject *object)
{
  DiscernModelDownloader *self = DISCERN_MODEL_DOWNLOADER (object);

  g_clear_error (&self->error);
  g_clear_pointer (&self->samples, g_array_unref);

  G_OBJECT_CLASS (discern_model_downloader_parent_class)->finalize (object);
}

static void
discern_model_downloader_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  DiscernModelDownloader *self = DISCERN_MODEL_DOWNLOADER (object);

  switch (prop_id) {
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;

  case PROP_RECEIVED:
    g_value_set_int64 (value, self->received);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_model_downloader_class_init (DiscernModelDownloaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = discern_model_downloader_dispose;
  object_class->finalize = discern_model_downloader_finalize;
  object_class->get_property = discern_model_downloader_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       DISCERN_TYPE_DOWNLOADER_STATE,
                       DISCERN_DOWNLOADER_IDLE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  /* The bytes on disk; notified a few times a second with the total and
   * the speed. */
  properties[PROP_RECEIVED] =
    g_param_spec_int64 ("received", NULL, NULL,
                        0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                        G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Every file asked for is verified and in place. */
  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
discern_model_downloader_init (DiscernModelDownloader *self)
{
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->speed = -1.0;
  self->total = -1;
}

DiscernModelDownloader *
discern_model_downloader_new (SoupSession *session)
{
  DiscernModelDownloader *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);

  self = g_object_new (DISCERN_TYPE_MODEL_DOWNLOADER, NULL);
  self->session = g_object_ref (session);

  return self;
}

/* Fetches the files in `needs` into the default folder, from `mirror`
 * (NULL or empty: $DISCERN_MODEL_URL or Keras). A part left by an earlier
 * attempt is resumed; "finished" is emitted when all are verified. */
void
discern_model_downloader_start (DiscernModelDownloader *self,
                                DiscernModelNeeds       needs,
                                const char             *mirror)
{
  Attempt *attempt;

  g_return_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self));
  g_return_if_fail (needs != 0);

  if (self->state == DISCERN_DOWNLOADER_RUNNING) {
    return;
  }

  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->serial++;
  self->needs = needs;
  self->kind = -1;
  self->speed = -1.0;
  self->last_notify = 0;
  self->total = discern_model_download_get_size (needs);
  self->received = discern_model_download_get_partial_size (needs, NULL);
  g_array_set_size (self->samples, 0);

  attempt = g_new0 (Attempt, 1);
  attempt->downloader = g_object_ref (self);
  attempt->serial = self->serial;
  self->n_pending++;

  g_debug ("downloader: fetching %u from %s", needs,
           mirror != NULL && mirror[0] != '\0' ? mirror : "the default URLs");
  set_state (self, DISCERN_DOWNLOADER_RUNNING);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
  discern_model_download_async (self->session, needs, NULL, mirror, progress_cb, attempt,
                                self->cancellable, downloaded_cb, attempt);
}

/* Stops the download; what it fetched stays in its part for the next
 * attempt. */
void
discern_model_downloader_cancel (DiscernModelDownloader *self)
{
  g_return_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self));

  if (self->state != DISCERN_DOWNLOADER_RUNNING) {
    return;
  }

  g_debug ("downloader: cancelled");
  self->serial++;
  g_cancellable_cancel (self->cancellable);
  set_state (self, DISCERN_DOWNLOADER_IDLE);
}

/* For quitting: cancels, then runs the main context until the download
 * closed its part, for at most a moment, so that nothing is left behind
 * half-written. */
void
discern_model_downloader_shutdown (DiscernModelDownloader *self)
{
  gint64 deadline = g_get_monotonic_time () + SHUTDOWN_WAIT_US;

  g_return_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self));

  discern_model_downloader_cancel (self);
  while (self->n_pending > 0 && g_get_monotonic_time () < deadline) {
    if (!g_main_context_iteration (NULL, FALSE)) {
      g_usleep (1000);
    }
  }
}

DiscernDownloaderState
discern_model_downloader_get_state (DiscernModelDownloader *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self), DISCERN_DOWNLOADER_IDLE);

  return self->state;
}

/* The files of the last attempt, running or failed. */
DiscernModelNeeds
discern_model_downloader_get_needs (DiscernModelDownloader *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self), 0);

  return self->needs;
}

/* The bytes of all the files asked for that are on disk, resumed parts
 * included. */
goffset
discern_model_downloader_get_received (DiscernModelDownloader *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self), 0);

  return self->received;
}

/* Their sum, or -1 when unknown. */
goffset
discern_model_downloader_get_total (DiscernModelDownloader *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self), -1);

  return self->total;
}

/* Bytes per second over the last seconds, or -1 until it is known. */
double
discern_model_downloader_get_speed (DiscernModelDownloader *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self), -1.0);

  return self->speed;
}

/* At the current speed, or -1 when that or the total is unknown. */
double
discern_model_downloader_get_seconds_left (DiscernModelDownloader *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self), -1.0);

  if (self->speed <= 0 || self->total < 0 || self->received > self->total) {
    return -1.0;
  }

  return (self->total - self->received) / self->speed;
}

/* Why the last attempt failed, while the state is FAILED. */
const GError *
discern_model_downloader_get_error (DiscernModelDownloader *self)
{
  g_return_val_if_fail (DISCERN_IS_MODEL_DOWNLOADER (self), NULL);

  return self->state == DISCERN_DOWNLOADER_FAILED ? self->error : NULL;
}
