/* discern-model-private.h: shared by the model finding and download code,
 * and the hooks their tests use
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "discern-model-files.h"

G_BEGIN_DECLS

/* Keras' values, or the ones a test put in their place. `size` is -1 when
 * only the MD5 is known. */
const char *_discern_model_expected_md5  (DiscernModelFileKind kind);
goffset     _discern_model_expected_size (DiscernModelFileKind kind);

/* Hashes `path` with MD5 in one pass and returns lower-case hex; blocks.
 * Errors name the path. */
char       *_discern_model_hash_file     (const char    *path,
                                          GCancellable  *cancellable,
                                          GError       **error);

/* TRUE when `path` is a regular file with the expected size and MD5
 * (remembered or computed). */
gboolean    _discern_model_is_verified   (DiscernModelFileKind  kind,
                                          const char           *path,
                                          GCancellable         *cancellable);

/* Adds `path` with its current size and modification time to the cache
 * of verified hashes. */
void        _discern_model_remember      (const char    *path,
                                          const char    *md5);

/* Tests only. Each must be called before any check or download starts.
 * set_expected puts a small fake model in place of Keras' files (`md5`
 * NULL restores Keras' values); the hash count tells whether a check read
 * a file or trusted the cache; the idle timeout replaces the 30 s after
 * which a download with no incoming data is given up (0 restores it). */
void  _discern_model_set_expected_for_tests     (DiscernModelFileKind  kind,
                                                const char           *md5,
                                                goffset               size);
guint _discern_model_get_hash_count_for_tests   (void);
void  _discern_model_set_idle_timeout_for_tests (guint milliseconds);

G_END_DECLS
