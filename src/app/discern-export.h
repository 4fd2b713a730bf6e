/* discern-export.h: the results of all items as CSV or JSON
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char *discern_export_csv  (GListModel *items,
                           guint       n_predictions);
char *discern_export_json (GListModel *items,
                           guint       n_predictions);

G_END_DECLS
