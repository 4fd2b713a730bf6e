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

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "discern-app-private.h"

/* Background work yields to the main loop when cores are scarce: a drop of
 * fifty pictures must not keep the window from answering. */
#define WORKER_NICE 10

typedef struct {
  GTask           *task;
  GTaskThreadFunc  func;
} Job;

static void
run_job (gpointer data,
         gpointer user_data)
{
  static GPrivate lowered;
  Job *job = data;

  if (g_private_get (&lowered) == NULL) {
    _discern_lower_thread_priority ();
    g_private_set (&lowered, GINT_TO_POINTER (TRUE));
  }

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

/* Lowers the calling thread's priority below the main loop's. Linux
 * sets a nice value per thread; elsewhere this does nothing. */
void
_discern_lower_thread_priority (void)
{
#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WORKER_NICE) != 0) {
    g_debug ("pools: the thread keeps its priority: %s", g_strerror (errno));
  }
#endif
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
