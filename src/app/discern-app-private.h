/* discern-app-private.h: helpers shared by the application's files
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void _discern_lower_thread_priority (void);
void _discern_run_in_pool            (GTask           *task,
                                      GTaskThreadFunc  func);
void _discern_run_in_order           (GTask           *task,
                                      GTaskThreadFunc  func);

G_END_DECLS
