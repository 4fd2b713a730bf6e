/* loop-watch.h: how long the main loop goes without running, for tests
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A timeout ticks every few milliseconds; the gap between two ticks is
 * how long the loop could not run. Linux tells, per thread, in
 * /proc/thread-self/schedstat, how much of that time the thread ran and
 * how much it was ready but waited for a core:
 *
 * - busy: the main thread working between two ticks. This is what the
 *   application's code decides, and what must stay under 100 ms.
 * - blocked: the gap less the waiting for a core, so busy plus time
 *   asleep: on a lock, a read, or the X server, which on a loaded machine
 *   itself waits for a core. Synchronous I/O in the main thread would
 *   show here.
 */

#pragma once

#include <glib.h>

#define LOOP_WATCH_TICK_MS 10

typedef struct {
  guint  source;
  gint64 last;            /* µs, monotonic */
  gint64 last_ran;        /* µs this thread ran so far */
  gint64 last_waited;     /* µs it waited for a core so far */
  gint64 largest_gap;     /* µs between two ticks */
  gint64 largest_busy;
  gint64 largest_blocked;
} LoopWatch;

/* The thread's running and waiting times, or FALSE where the kernel does
 * not say. */
static inline gboolean
loop_watch_read (gint64 *ran,
                 gint64 *waited)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;

  *ran = *waited = 0;
  if (!g_file_get_contents ("/proc/thread-self/schedstat", &contents, NULL, NULL)) {
    return FALSE;
  }

  fields = g_strsplit (contents, " ", 3);
  if (g_strv_length (fields) < 2) {
    return FALSE;
  }
  *ran = g_ascii_strtoll (fields[0], NULL, 10) / 1000;
  *waited = g_ascii_strtoll (fields[1], NULL, 10) / 1000;
  return TRUE;
}

static inline gboolean
loop_watch_tick_cb (gpointer data)
{
  LoopWatch *watch = data;
  gint64 now = g_get_monotonic_time ();
  gint64 gap = now - watch->last;
  gint64 ran, waited;

  if (!loop_watch_read (&ran, &waited)) {
    /* Without the kernel's word, the whole gap counts. */
    ran = watch->last_ran + gap;
    waited = watch->last_waited;
  }

  if (gap > 50 * 1000 && g_getenv ("DISCERN_TEST_GAPS") != NULL) {
    g_printerr ("gap %.1f ms: busy %.1f ms, waiting for a core %.1f ms\n", gap / 1000.0,
                (ran - watch->last_ran) / 1000.0, (waited - watch->last_waited) / 1000.0);
  }
  watch->largest_gap = MAX (watch->largest_gap, gap);
  watch->largest_busy = MAX (watch->largest_busy, ran - watch->last_ran);
  watch->largest_blocked = MAX (watch->largest_blocked, gap - (waited - watch->last_waited));
  watch->last = now;
  watch->last_ran = ran;
  watch->last_waited = waited;
  return G_SOURCE_CONTINUE;
}

static inline void
loop_watch_start (LoopWatch *watch)
{
  *watch = (LoopWatch) { 0 };
  watch->last = g_get_monotonic_time ();
  loop_watch_read (&watch->last_ran, &watch->last_waited);
  watch->source = g_timeout_add (LOOP_WATCH_TICK_MS, loop_watch_tick_cb, watch);
}

/* Stops ticking and says what was seen. */
static inline void
loop_watch_stop (LoopWatch *watch)
{
  g_clear_handle_id (&watch->source, g_source_remove);
  g_test_message ("largest main loop gap: %.1f ms; busy at most %.1f ms, "
                  "blocked at most %.1f ms",
                  watch->largest_gap / 1000.0, watch->largest_busy / 1000.0,
                  watch->largest_blocked / 1000.0);
}

/* The window kept answering: its own work never held the main loop for
 * 100 ms, and nothing it waited on for much longer. AddressSanitizer
 * makes every allocation several times slower; built with it, the test
 * is about memory, and the times are only reported. */
static inline void
loop_watch_assert_responsive (const LoopWatch *watch)
{
#ifndef __SANITIZE_ADDRESS__
  g_assert_cmpint (watch->largest_busy, <, 100 * 1000);
  g_assert_cmpint (watch->largest_blocked, <, 250 * 1000);
#endif
}
