/* text_tmp.c — where a file being written lives until it is complete, and how several files
 * become visible together.
 *
 * A writer writes to `.<name>.kestrel-<host>-<pid>-XXXXXX.tmp` next to its target (hidden, and
 * named after the target, the machine and the process), renamed over the target when complete.
 * A run that is killed cannot remove its temporaries; the next run that writes the same target
 * removes every such file of this host whose process no longer runs (a live run's are left
 * alone, and so are other machines' on a shared disk, whose processes cannot be asked).
 *
 * A group is a set of files that make one result (ldsc's S, V, I, ... and its log): its writers
 * finish their temporaries, and the commit renames them all, or none. Each earlier file of the
 * set is first kept under a second name (a hard link; moved aside where the file system has
 * none), so that a rename failing half-way puts every target back as it was. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text_tmp.h"

enum { NAME_KEEP = 100 }; /* the target's name in the temporary's: its first bytes (NAME_MAX) */

/* This machine's name with characters other than letters and digits as '_' (so that '-' only
 * separates the name's parts). */
static void host_name(char *h, size_t cap)
{
    if (gethostname(h, cap - 1) != 0) h[0] = '\0';
    h[cap - 1] = '\0';
    for (char *p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    if (!h[0]) strcpy(h, "host");
}

/* The directory of path ("." when none) into dir, and the start of its last component. */
static const char *split_dir(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, cap, ".");
        return path;
    }
    const size_t n = slash == path ? 1 : (size_t)(slash - path);
    snprintf(dir, cap, "%.*s", (int)(n < cap ? n : cap - 1), path);
    return slash + 1;
}

/* ".<name>.kestrel-<host>-" for path's name (its first NAME_KEEP bytes). */
static void tmp_prefix(const char *name, char *out, size_t cap)
{
    char host[64];
    host_name(host, sizeof host);
    snprintf(out, cap, ".%.*s.kestrel-%s-", NAME_KEEP, name, host);
}

/* Remove, in dir, the temporaries `<prefix><pid>-XXXXXX.tmp` whose process no longer runs. */
static void remove_dead(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) return;
    const size_t pl = strlen(prefix);
    const struct dirent *e;
    while ((e = readdir(d))) {
        const char *s = e->d_name;
        if (strncmp(s, prefix, pl)) continue;
        char *end;
        errno = 0;
        const long pid = strtol(s + pl, &end, 10);
        if (errno || end == s + pl || pid <= 0 || *end != '-' || strlen(end) != 11 ||
            strcmp(end + 7, ".tmp"))
            continue;
        if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char path[8192];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, s) < sizeof path) (void)unlink(path);
    }
    closedir(d);
}

/* The process's umask, for a file made by mkstemps to get the permissions open() would give
 * it: read from /proc (umask() itself would change it for every thread), else 022. */
static mode_t process_umask(void)
{
    mode_t m = 022;
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    unsigned v;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &v) == 1) {
            m = (mode_t)v;
            break;
        }
    if (f) fclose(f);
    return m;
}

/* A new unique temporary for path (the file created empty, its descriptor returned). */
static int new_tmp(ks_ctx *ctx, const char *path, int clean, char **tmp)
{
    char dir[4096], prefix[256];
    const char *name = split_dir(path, dir, sizeof dir);
    tmp_prefix(name, prefix, sizeof prefix);
    if (clean) remove_dead(dir, prefix);
    const size_t cap = strlen(path) + strlen(prefix) + 32;
    *tmp = ks__malloc(ctx, cap);
    if (!*tmp) return KS_ENOMEM;
    snprintf(*tmp, cap, "%.*s%s%ld-XXXXXX.tmp", (int)(name - path), path, prefix, (long)getpid());
    const int fd = mkstemps(*tmp, 4);
    if (fd < 0) {
        const int e = errno;
        ks__free(ctx, *tmp);
        *tmp = NULL;
        return ks__fail(ctx, KS_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    return fd;
}

int ks__tmp_open(ks_ctx *ctx, const char *path, char **tmp)
{
    const int fd = new_tmp(ctx, path, 1, tmp);
    if (fd >= 0) (void)fchmod(fd, 0666 & ~process_umask()); /* (mkstemps' is 0600) */
    return fd;
}

/* ---- groups ------------------------------------------------------------------------------ */

enum { OPEN, READY, FAILED };
enum { NO_BACKUP, LINKED, MOVED };

typedef struct {
    char *path, *tmp; /* tmp NULL: a file of the set that this run does not write */
    char *bak;        /* during the commit: the earlier file's second name */
    int state, backed, renamed;
} entry;

struct ks_text_group {
    ks_ctx *ctx;
    pthread_mutex_t mu;
    entry *e;
    size_t n, cap;
};

int ks_text_group_new(ks_ctx *ctx, ks_text_group **out)
{
    *out = ks__calloc(ctx, 1, sizeof **out);
    if (!*out) return KS_ENOMEM;
    (*out)->ctx = ctx;
    pthread_mutex_init(&(*out)->mu, NULL);
    return KS_OK;
}

int ks__group_add(ks_ctx *ctx, ks_text_group *g, const char *path, const char *tmp, size_t *slot)
{
    int rc = KS_OK;
    pthread_mutex_lock(&g->mu);
    if (g->n == g->cap) {
        const size_t nc = g->cap ? 2 * g->cap : 8;
        entry *e = ks__realloc(ctx, g->e, nc * sizeof *e);
        if (e) {
            g->e = e;
            g->cap = nc;
        } else {
            rc = KS_ENOMEM;
        }
    }
    if (!rc) {
        entry *x = &g->e[g->n];
        memset(x, 0, sizeof *x);
        x->path = ks__strdup(ctx, path);
        x->tmp = tmp ? ks__strdup(ctx, tmp) : NULL;
        if (!x->path || (tmp && !x->tmp)) {
            ks__free(ctx, x->path);
            ks__free(ctx, x->tmp);
            rc = KS_ENOMEM;
        } else {
            x->state = tmp ? OPEN : READY;
            *slot = g->n++;
        }
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

void ks__group_done(ks_text_group *g, size_t slot, int ok)
{
    pthread_mutex_lock(&g->mu);
    g->e[slot].state = ok ? READY : FAILED;
    pthread_mutex_unlock(&g->mu);
}

int ks_text_group_remove(ks_text_group *g, const char *path)
{
    size_t slot;
    return ks__group_add(g->ctx, g, path, NULL, &slot);
}

void ks_text_group_abort(ks_text_group *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->n; i++) {
        entry *x = &g->e[i];
        if (x->tmp && x->state != FAILED && !x->renamed) (void)unlink(x->tmp);
        ks__free(g->ctx, x->path);
        ks__free(g->ctx, x->tmp);
        ks__free(g->ctx, x->bak);
    }
    ks__free(g->ctx, g->e);
    pthread_mutex_destroy(&g->mu);
    ks__free(g->ctx, g);
}

/* The earlier file at x->path (if any) kept under a second name: a hard link, or for a file
 * to remove (or where links fail) the file moved there. */
static int back_up(ks_ctx *ctx, entry *x)
{
    struct stat st;
    if (lstat(x->path, &st) != 0) {
        if (errno == ENOENT) return KS_OK;
        return ks__fail(ctx, KS_EIO, "%s: %s", x->path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return ks__fail(ctx, KS_EIO, "%s: cannot replace: it is a directory", x->path);
    const int fd = new_tmp(ctx, x->path, 0, &x->bak); /* (a unique name, made free again) */
    if (fd < 0) return fd;
    close(fd);
    (void)unlink(x->bak);
    if (x->tmp && link(x->path, x->bak) == 0) {
        x->backed = LINKED;
        return KS_OK;
    }
    if (rename(x->path, x->bak) == 0) {
        x->backed = MOVED;
        return KS_OK;
    }
    const int e = errno;
    ks__free(ctx, x->bak);
    x->bak = NULL;
    return ks__fail(ctx, KS_EIO, "%s: cannot keep the earlier file while replacing it: %s",
                   x->path, strerror(e));
}

/* Entry x as it was before the commit: the earlier file back (or the new one removed). */
static void restore(entry *x)
{
    if (x->backed == MOVED || (x->backed == LINKED && x->renamed))
        (void)rename(x->bak, x->path);
    else if (x->backed == LINKED)
        (void)unlink(x->bak);
    else if (x->renamed)
        (void)unlink(x->path);
    x->backed = NO_BACKUP;
}

int ks_text_group_commit(ks_text_group *g)
{
    ks_ctx *ctx = g->ctx;
    int rc = KS_OK;
    for (size_t i = 0; i < g->n && !rc; i++)
        if (g->e[i].state != READY)
            rc = ks__fail(ctx, KS_EIO, "%s: not written%s", g->e[i].path,
                         g->e[i].state == OPEN ? " (its writer was not committed)" : "");
    for (size_t i = 0; i < g->n && !rc; i++) rc = back_up(ctx, &g->e[i]);
    for (size_t i = 0; i < g->n && !rc; i++) {
        entry *x = &g->e[i];
        if (!x->tmp) continue;
        if (rename(x->tmp, x->path) != 0)
            rc = ks__fail(ctx, KS_EIO, "%s: cannot rename into place: %s", x->path,
                         strerror(errno));
        else
            x->renamed = 1;
    }
    for (size_t i = 0; i < g->n; i++) {
        entry *x = &g->e[i];
        if (rc) restore(x);
        if (x->backed != NO_BACKUP) (void)unlink(x->bak);
    }
    ks_text_group_abort(g); /* (frees it, and removes the temporaries not renamed) */
    return rc;
}
