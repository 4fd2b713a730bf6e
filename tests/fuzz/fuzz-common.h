/* fuzz-common.h: what every harness sets up once
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <stdlib.h>

/* A critical is a program fault: abort, which libFuzzer catches and saves
 * the input for (GLib's own fatal criticals raise SIGTRAP, which it does
 * not). Warnings are printed and fuzzing goes on: libraries warn about
 * bad data they were handed. */
static void
fuzz_log_handler (const char     *domain,
                  GLogLevelFlags  level,
                  const char     *message,
                  gpointer        user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
    g_printerr ("%s-CRITICAL: %s\n", domain != NULL ? domain : "", message);
    abort ();
  }
  if (level & G_LOG_LEVEL_WARNING) {
    g_printerr ("%s-WARNING: %s\n", domain != NULL ? domain : "", message);
  }
}

static inline void
fuzz_init_logging (void)
{
  g_log_set_default_handler (fuzz_log_handler, NULL);
}
