/* discern-classifier.c: the inference worker that owns the network
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "discern-classifier.h"

#include "discern-app-private.h"
#include "discern-model-files.h"
#include "discern-source-error.h"
#include "dn-error.h"
#include "dn-labels.h"
#include "dn-network.h"

/* Requests waiting together are run as one batch; more than this does not
 * make VGG16 faster per picture and delays the first answer. */
#define MAX_BATCH 4

typedef enum {
  JOB_LOAD,
  JOB_CLASSIFY,
} JobKind;

typedef struct {
  JobKind  kind;
  GTask   *task;
  char    *folder;
  char    *weights;
  char    *labels;
  GBytes  *input;
} Job;

/* What the worker thread shares with the main thread; everything in it is
 * guarded by `mutex` except `network`, which only the worker touches. */
typedef struct {
  GMutex        mutex;
  GCond         cond;
  GQueue        jobs;
  gboolean      quit;
  GCancellable *shutdown;

  DnNetwork    *network;
  GPtrArray    *names;
  GPtrArray    *wnids;
} Worker;

/* What a load found, whether or not it could be used: `error` is set
 * when it could not, and `files` is NULL when even the check failed. */
typedef struct {
  DiscernModelFiles *files;
  GError            *error;
  int                input_width;
  int                input_height;
  guint              n_classes;
} LoadInfo;

/* The worker's batch is cancelled only when every picture in it is. */
typedef struct {
  GCancellable *cancellable;
  gint          live;
} Batch;

struct _DiscernClassifier
{
  GObject            parent_instance;

  /* owned */
  Worker            *worker;
  GThread           *thread;
  GError            *error;
  DiscernModelFiles *files;

  /* state */
  DiscernModelState  state;
  int                input_width;
  int                input_height;
  guint              n_classes;
  guint              load_serial;
};

G_DEFINE_FINAL_TYPE (DiscernClassifier, discern_classifier, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (DiscernModelState, discern_model_state,
  G_DEFINE_ENUM_VALUE (DISCERN_MODEL_STATE_NONE, "none"),
  G_DEFINE_ENUM_VALUE (DISCERN_MODEL_STATE_LOADING, "loading"),
  G_DEFINE_ENUM_VALUE (DISCERN_MODEL_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (DISCERN_MODEL_STATE_MISSING, "missing"),
  G_DEFINE_ENUM_VALUE (DISCERN_MODEL_STATE_BROKEN, "broken"))

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  CLASSIFYING,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_clear_pointer (&job->folder, g_free);
  g_clear_pointer (&job->weights, g_free);
  g_clear_pointer (&job->labels, g_free);
  g_clear_pointer (&job->input, g_bytes_unref);
  g_free (job);
}

static void
load_info_free (LoadInfo *info)
{
  g_clear_pointer (&info->files, discern_model_files_free);
  g_clear_error (&info->error);
  g_free (info);
}

static void
set_state (DiscernClassifier *self,
           DiscernModelState  state)
{
  if (self->state == state) {
    return;
  }

  g_debug ("classifier: state %d -> %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static GPtrArray *
copy_label_column (DnLabels *labels,
                   gboolean  wnids)
{
  guint n = dn_labels_get_count (labels);
  GPtrArray *column = g_ptr_array_new_full (n, g_free);

  for (guint i = 0; i < n; i++) {
    const char *text = wnids ? dn_labels_get_wnid (labels, i)
                             : dn_labels_get_name (labels, i);

    g_ptr_array_add (column, g_strdup (text));
  }

  return column;
}

/* Runs on the worker thread: reads the class index and the weights and
 * checks that they fit together. */
static gboolean
worker_open (Worker                  *worker,
             const DiscernModelFiles *files,
             LoadInfo                *info,
             GError                 **error)
{
  g_autoptr(DnNetwork) network = NULL;
  g_autoptr(DnLabels) labels = NULL;

  g_debug ("classifier: loading %s", files->weights.path);
  labels = dn_labels_load (files->labels.path, error);
  if (labels == NULL) {
    return FALSE;
  }
  network = dn_network_load (files->weights.path, error);
  if (network == NULL) {
    return FALSE;
  }
  if (dn_labels_get_count (labels) != (guint) dn_network_get_n_classes (network)) {
    g_set_error (error, DN_ERROR, DN_ERROR_MISMATCH,
                 "%s has %u classes but the network predicts %d",
                 files->labels.path, dn_labels_get_count (labels),
                 dn_network_get_n_classes (network));
    return FALSE;
  }

  info->input_width = dn_network_get_input_width (network);
  info->input_height = dn_network_get_input_height (network);
  info->n_classes = dn_labels_get_count (labels);
  worker->names = copy_label_column (labels, FALSE);
  worker->wnids = copy_label_column (labels, TRUE);
  worker->network = g_steal_pointer (&network);
  return TRUE;
}

/* Runs on the worker thread. The first check of a file computes its MD5,
 * which takes a second or two for the weights. The answer always carries
 * what was found, so that the window can say what is missing. */
static void
worker_load (Worker *worker,
             Job    *job)
{
  LoadInfo *info = g_new0 (LoadInfo, 1);

  g_clear_pointer (&worker->network, dn_network_free);
  g_clear_pointer (&worker->names, g_ptr_array_unref);
  g_clear_pointer (&worker->wnids, g_ptr_array_unref);

  info->files = discern_model_files_check (job->folder, job->weights, job->labels,
                                           g_task_get_cancellable (job->task),
                                           &info->error);
  if (info->files != NULL && discern_model_files_ensure_usable (info->files, &info->error)) {
    worker_open (worker, info->files, info, &info->error);
  }

  g_task_return_pointer (job->task, info, (GDestroyNotify) load_info_free);
}

static void
batch_member_cancelled_cb (GCancellable *cancellable,
                           Batch        *batch)
{
  if (g_atomic_int_dec_and_test (&batch->live)) {
    g_cancellable_cancel (batch->cancellable);
  }
}

static void
shutdown_cancelled_cb (GCancellable *cancellable,
                       Batch        *batch)
{
  g_cancellable_cancel (batch->cancellable);
}

static gboolean
emit_classifying_idle (gpointer data)
{
  GTask *task = data;
  DiscernClassifier *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (cancellable != NULL && !g_cancellable_is_cancelled (cancellable)) {
    g_signal_emit (self, signals[CLASSIFYING], 0, cancellable);
  }

  return G_SOURCE_REMOVE;
}

static void
tell_started (Job *job)
{
  g_main_context_invoke_full (g_task_get_context (job->task),
                              G_PRIORITY_DEFAULT,
                              emit_classifying_idle,
                              g_object_ref (job->task),
                              g_object_unref);
}

/* Runs on the worker thread: one forward pass for every job in `batch`. */
static void
worker_classify (Worker    *worker,
                 GPtrArray *jobs)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *input = NULL;
  g_autofree float *probabilities = NULL;
  g_autofree gulong *handlers = NULL;
  gsize input_floats;
  gulong shutdown_handler;
  int n_classes;
  Batch batch;

  if (worker->network == NULL) {
    for (guint i = 0; i < jobs->len; i++) {
      Job *job = g_ptr_array_index (jobs, i);

      g_task_return_new_error (job->task, DN_ERROR, DN_ERROR_MISMATCH,
                               "No network is loaded");
    }
    return;
  }

  input_floats = (gsize) dn_network_get_input_height (worker->network)
                 * dn_network_get_input_width (worker->network) * 3;
  n_classes = dn_network_get_n_classes (worker->network);
  input = g_new (float, input_floats * jobs->len);
  probabilities = g_new (float, (gsize) n_classes * jobs->len);

  for (guint i = 0; i < jobs->len; i++) {
    Job *job = g_ptr_array_index (jobs, i);

    if (g_bytes_get_size (job->input) != input_floats * sizeof (float)) {
      g_set_error (&error, DN_ERROR, DN_ERROR_MISMATCH,
                   "The input does not fit the network loaded now");
      break;
    }
    memcpy (input + i * input_floats, g_bytes_get_data (job->input, NULL),
            input_floats * sizeof (float));
    tell_started (job);
  }

  batch.cancellable = g_cancellable_new ();
  batch.live = jobs->len;
  handlers = g_new0 (gulong, jobs->len);
  for (guint i = 0; i < jobs->len; i++) {
    GCancellable *member = g_task_get_cancellable (((Job *) jobs->pdata[i])->task);

    if (member != NULL) {
      handlers[i] = g_cancellable_connect (member, G_CALLBACK (batch_member_cancelled_cb),
                                           &batch, NULL);
    }
  }
  shutdown_handler = g_cancellable_connect (worker->shutdown,
                                            G_CALLBACK (shutdown_cancelled_cb),
                                            &batch, NULL);

  if (error == NULL) {
    g_debug ("classifier: batch of %u", jobs->len);
    dn_network_forward (worker->network, probabilities, input, jobs->len,
                        batch.cancellable, &error);
  }

  g_cancellable_disconnect (worker->shutdown, shutdown_handler);
  for (guint i = 0; i < jobs->len; i++) {
    GCancellable *member = g_task_get_cancellable (((Job *) jobs->pdata[i])->task);

    if (member != NULL) {
      g_cancellable_disconnect (member, handlers[i]);
    }
  }
  g_object_unref (batch.cancellable);

  for (guint i = 0; i < jobs->len; i++) {
    Job *job = g_ptr_array_index (jobs, i);

    if (error != NULL) {
      g_task_return_error (job->task, g_error_copy (error));
    } else {
      g_task_return_pointer (job->task,
                             discern_result_new (probabilities + i * n_classes,
                                                 n_classes, worker->names, worker->wnids),
                             (GDestroyNotify) discern_result_unref);
    }
  }
}

static gboolean
job_is_cancelled (Job *job)
{
  GCancellable *cancellable = g_task_get_cancellable (job->task);

  return cancellable != NULL && g_cancellable_is_cancelled (cancellable);
}

/* Takes the next job, and for a classification every classification
 * queued right behind it, up to MAX_BATCH. Cancelled ones are answered at
 * once. Called with the mutex held. */
static GPtrArray *
worker_take_jobs (Worker *worker)
{
  GPtrArray *jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);

  while (!g_queue_is_empty (&worker->jobs)) {
    Job *job = g_queue_peek_head (&worker->jobs);

    if (jobs->len > 0
        && (job->kind != JOB_CLASSIFY || jobs->len == MAX_BATCH
            || ((Job *) jobs->pdata[0])->kind != JOB_CLASSIFY)) {
      break;
    }

    g_queue_pop_head (&worker->jobs);
    if (job->kind == JOB_CLASSIFY && job_is_cancelled (job)) {
      g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Cancelled");
      job_free (job);
      continue;
    }
    g_ptr_array_add (jobs, job);
  }

  return jobs;
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;

  _discern_lower_thread_priority ();
  for (;;) {
    g_autoptr(GPtrArray) jobs = NULL;
    Job *first;

    g_mutex_lock (&worker->mutex);
    while (g_queue_is_empty (&worker->jobs) && !worker->quit) {
      g_cond_wait (&worker->cond, &worker->mutex);
    }
    if (worker->quit) {
      g_mutex_unlock (&worker->mutex);
      break;
    }
    jobs = worker_take_jobs (worker);
    g_mutex_unlock (&worker->mutex);

    if (jobs->len == 0) {
      continue;
    }

    first = g_ptr_array_index (jobs, 0);
    if (first->kind == JOB_LOAD) {
      worker_load (worker, first);
    } else {
      worker_classify (worker, jobs);
    }
  }

  g_clear_pointer (&worker->network, dn_network_free);
  return NULL;
}

static void
worker_push (Worker *worker,
             Job    *job)
{
  g_mutex_lock (&worker->mutex);
  g_queue_push_tail (&worker->jobs, job);
  g_cond_signal (&worker->cond);
  g_mutex_unlock (&worker->mutex);
}

static void
worker_free (Worker *worker)
{
  g_assert (g_queue_is_empty (&worker->jobs));

  g_clear_pointer (&worker->network, dn_network_free);
  g_clear_pointer (&worker->names, g_ptr_array_unref);
  g_clear_pointer (&worker->wnids, g_ptr_array_unref);
  g_clear_object (&worker->shutdown);
  g_mutex_clear (&worker->mutex);
  g_cond_clear (&worker->cond);
  g_free (worker);
}

static void
discern_classifier_dispose (GObject *object)
{
  DiscernClassifier *self = DISCERN_CLASSIFIER (object);

  discern_classifier_stop (self);

  G_OBJECT_CLASS (discern_classifier_parent_class)->dispose (object);
}

static void
discern_classifier_finalize (GObject *object)
{
  DiscernClassifier *self = DISCERN_CLASSIFIER (object);

  g_clear_pointer (&self->worker, worker_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->files, discern_model_files_free);

  G_OBJECT_CLASS (discern_classifier_parent_class)->finalize (object);
}

static void
discern_classifier_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DiscernClassifier *self = DISCERN_CLASSIFIER (object);

  switch (prop_id) {
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
discern_classifier_class_init (DiscernClassifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = discern_classifier_dispose;
  object_class->finalize = discern_classifier_finalize;
  object_class->get_property = discern_classifier_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       DISCERN_TYPE_MODEL_STATE,
                       DISCERN_MODEL_STATE_NONE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted on the main thread when the worker starts on the request that
   * was made with this cancellable. */
  signals[CLASSIFYING] =
    g_signal_new ("classifying",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_CANCELLABLE);
}

static void
discern_classifier_init (DiscernClassifier *self)
{
  self->worker = g_new0 (Worker, 1);
  g_mutex_init (&self->worker->mutex);
  g_cond_init (&self->worker->cond);
  g_queue_init (&self->worker->jobs);
  self->worker->shutdown = g_cancellable_new ();
  self->thread = g_thread_new ("discern-classifier", worker_main, self->worker);
}

DiscernClassifier *
discern_classifier_new (void)
{
  return g_object_new (DISCERN_TYPE_CLASSIFIER, NULL);
}

/* Ends the worker: the batch being computed is cancelled between layers
 * and what is still queued is answered with G_IO_ERROR_CANCELLED. */
void
discern_classifier_stop (DiscernClassifier *self)
{
  Job *job;

  g_return_if_fail (DISCERN_IS_CLASSIFIER (self));

  if (self->thread == NULL) {
    return;
  }

  g_cancellable_cancel (self->worker->shutdown);
  g_mutex_lock (&self->worker->mutex);
  self->worker->quit = TRUE;
  g_cond_signal (&self->worker->cond);
  g_mutex_unlock (&self->worker->mutex);
  g_thread_join (g_steal_pointer (&self->thread));

  while ((job = g_queue_pop_head (&self->worker->jobs)) != NULL) {
    g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The classifier was stopped");
    job_free (job);
  }
}

DiscernModelState
discern_classifier_get_state (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), DISCERN_MODEL_STATE_NONE);

  return self->state;
}

/* Why the last load failed, or NULL. */
const GError *
discern_classifier_get_error (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), NULL);

  return self->error;
}

/* What the last load found: the files in use, or missing, damaged or
 * not Keras' own, with their sizes. NULL before the first load ends and
 * when a file named in the preferences could not be read. */
const DiscernModelFiles *
discern_classifier_get_files (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), NULL);

  return self->files;
}

const char *
discern_classifier_get_weights_path (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), NULL);

  return self->state == DISCERN_MODEL_STATE_READY ? self->files->weights.path : NULL;
}

const char *
discern_classifier_get_labels_path (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), NULL);

  return self->state == DISCERN_MODEL_STATE_READY ? self->files->labels.path : NULL;
}

/* Whether the loaded files are the ones Keras publishes (size and MD5);
 * a model the user named may differ and is used anyway. */
gboolean
discern_classifier_get_verified (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), FALSE);

  return self->state == DISCERN_MODEL_STATE_READY
         && self->files->weights.state == DISCERN_MODEL_FILE_VERIFIED
         && self->files->labels.state == DISCERN_MODEL_FILE_VERIFIED;
}

int
discern_classifier_get_input_width (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), 0);

  return self->input_width;
}

int
discern_classifier_get_input_height (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), 0);

  return self->input_height;
}

guint
discern_classifier_get_n_classes (DiscernClassifier *self)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), 0);

  return self->n_classes;
}

static char *
nonempty_dup (const char *text)
{
  return text != NULL && text[0] != '\0' ? g_strdup (text) : NULL;
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DiscernClassifier *self = DISCERN_CLASSIFIER (object);
  g_autoptr(GTask) task = user_data;
  LoadInfo *info;

  info = g_task_propagate_pointer (G_TASK (result), NULL);

  /* A newer load was started meanwhile; it decides the state. */
  if (GPOINTER_TO_UINT (g_task_get_task_data (G_TASK (result))) != self->load_serial) {
    load_info_free (info);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Replaced by a newer load");
    return;
  }

  g_clear_error (&self->error);
  g_clear_pointer (&self->files, discern_model_files_free);
  self->files = g_steal_pointer (&info->files);

  if (info->error != NULL) {
    g_debug ("classifier: load failed: %s", info->error->message);
    self->error = g_error_copy (info->error);
    set_state (self, g_error_matches (info->error, DISCERN_SOURCE_ERROR,
                                      DISCERN_SOURCE_ERROR_MODEL_MISSING)
                       ? DISCERN_MODEL_STATE_MISSING
                       : DISCERN_MODEL_STATE_BROKEN);
    g_task_return_error (task, g_steal_pointer (&info->error));
    load_info_free (info);
    return;
  }

  self->input_width = info->input_width;
  self->input_height = info->input_height;
  self->n_classes = info->n_classes;
  load_info_free (info);

  set_state (self, DISCERN_MODEL_STATE_READY);
  g_task_return_boolean (task, TRUE);
}

/* Loads the weights and class index: `weights` and `labels` when given
 * (files the user chose), otherwise found by Keras' names in `folder` (the
 * preferences' model folder), then in the default places. NULL or empty
 * strings mean not set. The state is LOADING until it is done. */
void
discern_classifier_load_async (DiscernClassifier  *self,
                               const char         *folder,
                               const char         *weights,
                               const char         *labels,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (DISCERN_IS_CLASSIFIER (self));
  g_return_if_fail (self->thread != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, discern_classifier_load_async);

  self->load_serial++;
  set_state (self, DISCERN_MODEL_STATE_LOADING);

  /* The job's own task ends on the worker; `task` ends after the state
   * was updated on this thread. */
  job = g_new0 (Job, 1);
  job->kind = JOB_LOAD;
  job->folder = nonempty_dup (folder);
  job->weights = nonempty_dup (weights);
  job->labels = nonempty_dup (labels);
  job->task = g_task_new (self, NULL, load_done_cb, g_steal_pointer (&task));
  g_task_set_task_data (job->task, GUINT_TO_POINTER (self->load_serial), NULL);
  worker_push (self->worker, job);
}

gboolean
discern_classifier_load_finish (DiscernClassifier  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Queues `input`, a preprocessed (height, width, 3) float tensor of the
 * loaded network's input size. The "classifying" signal says when the
 * worker starts on it. */
void
discern_classifier_classify_async (DiscernClassifier  *self,
                                   GBytes             *input,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  Job *job;

  g_return_if_fail (DISCERN_IS_CLASSIFIER (self));
  g_return_if_fail (input != NULL);
  g_return_if_fail (self->thread != NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_CLASSIFY;
  job->input = g_bytes_ref (input);
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, discern_classifier_classify_async);
  worker_push (self->worker, job);
}

DiscernResult *
discern_classifier_classify_finish (DiscernClassifier  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (DISCERN_IS_CLASSIFIER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
