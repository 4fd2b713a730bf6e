/* discern-pools.c: the worker threads for decoding and for file lookups
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTask's shared pool runs up to ten jobs at once. Ten decodes on a
 * two-core machine leave the main loop waiting for a core, so pictures are
 * decoded on a pool of one thread per core less the main loop's. File
 * lookups (folders, dropped lists) run one at a time in the order they
 * were asked for, so that pictures appear in the order they were dropped.
 */

#include "config.h"

#include "discern-app-private.h"

typedef struct {
  GTask           *task;
  GTaskThreadFunc  func;
} Job;

static void
run_job (gpointer data,
         gpointer user_data)
{
  Job *job = data;

  job->func (job->task,
             g_task_get_source_object (job->task),
             g_task_get_task_data (job->task),
             g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
}

static void
push (GThreadPool     *pool,
      GTask           *task,
      GTaskThreadFunc  func)
{
  Job *job = g_new0 (Job, 1);

  job->task = g_object_ref (task);
  job->func = func;
  g_thread_pool_push (pool, job, NULL);
}

/* Like g_task_run_in_thread(), on the decoding pool. */
void
_discern_run_in_pool (GTask           *task,
                      GTaskThreadFunc  func)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool)) {
    int n_threads = MAX (1, (int) g_get_num_processors () - 1);

    g_once_init_leave (&pool, g_thread_pool_new (run_job, NULL, n_threads, FALSE, NULL));
  }

  push (pool, task, func);
}

/* Like g_task_run_in_thread(), one job after the other: the callbacks run
 * in the order of the calls. */
void
_discern_run_in_order (GTask           *task,
                       GTaskThreadFunc  func)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool)) {
    g_once_init_leave (&pool, g_thread_pool_new (run_job, NULL, 1, FALSE, NULL));
  }

  push (pool, task, func);
}
