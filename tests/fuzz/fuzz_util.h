/* fuzz_util.h — what the fuzz harnesses share: a context for one input (one thread, so that
 * runs are reproducible), and a scratch folder of this process for the readers that take
 * paths. */
#ifndef KS_FUZZ_UTIL_H
#define KS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kestrel/kestrel.h"

static char fuzz_dir[4096];
static char fuzz_names[16][64]; /* the scratch files written, removed at exit */

static void fuzz_cleanup(void)
{
    char path[sizeof fuzz_dir + sizeof fuzz_names];
    for (int i = 0; i < 16 && fuzz_names[i][0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, fuzz_names[i]);
        unlink(path);
    }
    rmdir(fuzz_dir);
}

/* The scratch folder (made once, removed at exit) joined with name (a file of the folder); the
 * path stays valid (one buffer per name). */
static inline const char *fuzz_path(const char *name)
{
    static char paths[16][sizeof fuzz_dir + sizeof fuzz_names[0]];
    if (!fuzz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/ks_fuzz_XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir)) abort();
        atexit(fuzz_cleanup);
    }
    int i = 0;
    while (i < 16 && fuzz_names[i][0] && strcmp(fuzz_names[i], name)) i++;
    if (i == 16 || strlen(name) >= sizeof fuzz_names[i]) abort();
    strcpy(fuzz_names[i], name);
    snprintf(paths[i], sizeof paths[i], "%s/%s", fuzz_dir, name);
    return paths[i];
}

/* Write n bytes to the scratch file `name`; its path. */
static inline const char *fuzz_write(const char *name, const void *data, size_t n)
{
    const char *path = fuzz_path(name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f)) abort();
    return path;
}

static inline ks_ctx *fuzz_ctx(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK || ks_ctx_set_threads(ctx, 1) != KS_OK) abort();
    return ctx;
}

/* rc, and with KS_FUZZ_VERBOSE set the outcome on stderr (to see what a seed reaches). */
static inline int fuzz_outcome(ks_ctx *ctx, const char *what, int rc)
{
    if (getenv("KS_FUZZ_VERBOSE")) fprintf(stderr, "%s: %s\n", what, rc ? ks_errmsg(ctx) : "read");
    return rc;
}

/* The input as a C string (the harnesses whose API takes one). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
