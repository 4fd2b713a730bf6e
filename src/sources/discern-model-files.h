/* discern-model-files.h: where the VGG16 weights and class index are
 *
 * Copyright 2026 The Discern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DISCERN_WEIGHTS_FILE_NAME "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
#define DISCERN_LABELS_FILE_NAME  "imagenet_class_index.json"

#define DISCERN_WEIGHTS_URL \
  "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/" \
  DISCERN_WEIGHTS_FILE_NAME
#define DISCERN_LABELS_URL \
  "https://storage.googleapis.com/download.tensorflow.org/data/" \
  DISCERN_LABELS_FILE_NAME

/* What Keras publishes for the two files. */
#define DISCERN_WEIGHTS_MD5  "64373286793e3c8b2b4e3219cbf3544b"
#define DISCERN_WEIGHTS_SIZE G_GINT64_CONSTANT (553467096)
#define DISCERN_LABELS_MD5   "c2c37ea517e94d9795004a39431a14cb"
#define DISCERN_LABELS_SIZE  G_GINT64_CONSTANT (35363)

typedef enum {
  DISCERN_MODEL_WEIGHTS,
  DISCERN_MODEL_LABELS,
  DISCERN_MODEL_N_FILES
} DiscernModelFileKind;

/* Which files still have to be fetched; 0 when the model is usable. */
typedef enum {
  DISCERN_MODEL_NEEDS_WEIGHTS = 1 << DISCERN_MODEL_WEIGHTS,
  DISCERN_MODEL_NEEDS_LABELS  = 1 << DISCERN_MODEL_LABELS,
  DISCERN_MODEL_NEEDS_ALL     = DISCERN_MODEL_NEEDS_WEIGHTS
                                | DISCERN_MODEL_NEEDS_LABELS,
} DiscernModelNeeds;

/* UNVERIFIED: differs from Keras' file but the user named it, so it is
 * used, with a warning. DAMAGED: differs and lies in a default folder, so
 * it is to be downloaded again. */
typedef enum {
  DISCERN_MODEL_FILE_MISSING,     /* in none of the places searched */
  DISCERN_MODEL_FILE_VERIFIED,    /* Keras' size and MD5 */
  DISCERN_MODEL_FILE_UNVERIFIED,
  DISCERN_MODEL_FILE_DAMAGED,
} DiscernModelFileState;

/* `md5` is lower-case hex, NULL when MISSING or when the size alone showed
 * that the file differs. `named`: the user named it, as a file or folder
 * from the preferences or the command line, or by $DISCERN_MODEL_DIR. */
typedef struct {
  DiscernModelFileKind   kind;
  DiscernModelFileState  state;
  char                  *path;   /* NULL when MISSING */
  goffset                size;   /* bytes; -1 when MISSING */
  char                  *md5;
  gboolean               named;
} DiscernModelFile;

/* The outcome of a check: a file per kind, and the folders looked in. */
typedef struct {
  DiscernModelFile   weights;
  DiscernModelFile   labels;
  char             **searched;
} DiscernModelFiles;

const char *discern_model_file_kind_get_file_name (DiscernModelFileKind kind);

/* The folders searched, in order: `model_dir` (the preferences' folder, may
 * be NULL), $DISCERN_MODEL_DIR, the user data folder
 * (~/.local/share/discern/models) and Keras' cache (~/.keras/models). */
GPtrArray  *discern_model_files_search_dirs     (const char *model_dir);

/* Where downloads go by default: ~/.local/share/discern/models. */
char       *discern_model_files_get_default_dir (void);

/* Finds each file and checks its size and MD5. `weights_path` and
 * `labels_path` are files the user named (may be NULL); otherwise each file
 * is looked for under its Keras name in the search folders. A file the
 * user named, directly or by its folder, is used even when it differs
 * (UNVERIFIED); a differing file in a default folder is DAMAGED and the
 * search goes on, so a good copy further down the list still wins.
 *
 * An MD5 is computed once per file and remembered, keyed by path, size and
 * modification time, in the user cache folder (discern/verified.ini), so
 * later checks only stat the files. The first check of a 528 MiB file takes
 * a second or two: use the async variant on the main loop.
 *
 * Returns NULL only when a named file does not exist or cannot be read
 * (DISCERN_SOURCE_ERROR, the path prefixed) or when cancelled. Missing and
 * damaged files are states in the result, not errors. */
DiscernModelFiles *
discern_model_files_check        (const char           *model_dir,
                                  const char           *weights_path,
                                  const char           *labels_path,
                                  GCancellable         *cancellable,
                                  GError              **error);
void
discern_model_files_check_async  (const char           *model_dir,
                                  const char           *weights_path,
                                  const char           *labels_path,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
DiscernModelFiles *
discern_model_files_check_finish (GAsyncResult         *result,
                                  GError              **error);

DiscernModelNeeds
discern_model_files_get_needs    (const DiscernModelFiles *files);

/* FALSE with DISCERN_SOURCE_ERROR_MODEL_MISSING when something has to be
 * downloaded; the message says which files are missing or damaged, where
 * they were looked for and where they come from. */
gboolean
discern_model_files_ensure_usable (const DiscernModelFiles  *files,
                                   GError                  **error);

void discern_model_files_free (DiscernModelFiles *files);

/* The quick lookup without any checking: the explicit path if given (it
 * must exist), else the first search folder holding the file. On failure
 * the DISCERN_SOURCE_ERROR_MODEL_MISSING message says which files are
 * needed, where they were looked for and where to download them. */
gboolean discern_model_files_find (const char  *weights_path,
                                   const char  *labels_path,
                                   char       **weights_out,
                                   char       **labels_out,
                                   GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DiscernModelFiles, discern_model_files_free)

G_END_DECLS
