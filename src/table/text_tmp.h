/* text_tmp.h — the writers' temporary files (text_tmp.c): their names, the removal of a killed
 * run's, and the group commit's bookkeeping that text_io.c's writers report to. */
#ifndef KS_TEXT_TMP_H
#define KS_TEXT_TMP_H

#include "table_internal.h"

/* A new temporary file for `path`: `.<name>.kestrel-<host>-<pid>-XXXXXX.tmp` in path's
 * directory, opened for writing with the mode open() would give a new file; the temporaries of
 * that name left by runs of this host that no longer run are removed first. *tmp (allocated
 * with ctx) gets its path; returns the descriptor, or a KS_E* code with the message set. */
int ks__tmp_open(ks_ctx *ctx, const char *path, char **tmp);

/* A writer of group g: its target and temporary file recorded (*slot: its entry). */
int ks__group_add(ks_ctx *ctx, ks_text_group *g, const char *path, const char *tmp, size_t *slot);
/* The writer of entry slot finished: ok, its temporary file is complete; else it was removed. */
void ks__group_done(ks_text_group *g, size_t slot, int ok);

#endif
