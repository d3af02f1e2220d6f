/* test_text_group.c — the writers' temporary files and group commits (src/table/text_tmp.c):
 * a group is renamed whole or not at all, an earlier run's files stay (or come back) when it
 * fails, a file of the set the run does not write is removed with it, and the temporaries a
 * killed run left are removed by the next writer of their target, those of live runs and other
 * machines left alone. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kestrel/kestrel.h"
#include "ktest.h"

static char dir[4096];

static const char *at(const char *name)
{
    static char p[4][4200];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(at(name), "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* The file's text ("" when there is none). */
static const char *get(const char *name)
{
    static char buf[256];
    buf[0] = '\0';
    FILE *f = fopen(at(name), "r");
    if (!f) return buf;
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Entries of dir (not . and ..) and those named like a temporary. */
static int entries(int *tmps)
{
    int n = 0;
    *tmps = 0;
    DIR *d = opendir(dir);
    for (const struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n++;
        *tmps += strstr(e->d_name, ".kestrel-") != NULL;
    }
    if (d) closedir(d);
    return n;
}

static int write_group(ks_ctx *ctx, ks_text_group *g, const char *name, const char *text)
{
    ks_text_writer *w;
    int rc = ks_text_group_create(ctx, g, at(name), 0, &w);
    if (rc) return rc;
    ks_text_puts(w, text);
    return ks_text_commit(w);
}

static void test_commit_and_failures(ks_ctx *ctx)
{
    int tmps;
    put("a", "old a");
    put("b", "old b");
    put("stale", "old stale");
    /* all renamed together; a file of the set that this run does not write goes with them */
    ks_text_group *g = NULL;
    CHECK_OK(ctx, ks_text_group_new(ctx, &g));
    CHECK_OK(ctx, write_group(ctx, g, "a", "new a"));
    CHECK_OK(ctx, write_group(ctx, g, "b", "new b"));
    CHECK_OK(ctx, write_group(ctx, g, "c", "new c"));
    CHECK_OK(ctx, ks_text_group_remove(g, at("stale")));
    CHECK(!strcmp(get("a"), "old a")); /* nothing is in place before the commit */
    CHECK(!strcmp(get("c"), ""));
    CHECK_OK(ctx, ks_text_group_commit(g));
    CHECK(!strcmp(get("a"), "new a") && !strcmp(get("b"), "new b") && !strcmp(get("c"), "new c"));
    CHECK(access(at("stale"), F_OK) != 0);
    CHECK(entries(&tmps) == 3 && tmps == 0);

    /* a rename failing half-way (the last file's directory gone): the renamed files and the
     * removed one are put back as they were, the new file without an earlier one removed */
    put("stale", "old stale");
    CHECK(mkdir(at("sub"), 0700) == 0);
    CHECK_OK(ctx, ks_text_group_new(ctx, &g));
    CHECK_OK(ctx, write_group(ctx, g, "a", "newer a"));
    CHECK_OK(ctx, write_group(ctx, g, "d", "new d"));
    CHECK_OK(ctx, ks_text_group_remove(g, at("stale")));
    CHECK_OK(ctx, write_group(ctx, g, "sub/e", "new e"));
    DIR *d = opendir(at("sub")); /* (its temporary removed, then the directory) */
    for (const struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] == '.' && strstr(e->d_name, ".kestrel-")) {
            char p[4300];
            snprintf(p, sizeof p, "%s/%s", at("sub"), e->d_name);
            CHECK(unlink(p) == 0);
        }
    if (d) closedir(d);
    CHECK(rmdir(at("sub")) == 0);
    CHECK_FAILS(ctx, ks_text_group_commit(g), KS_EIO, "sub/e: cannot rename into place");
    CHECK(!strcmp(get("a"), "new a") && !strcmp(get("stale"), "old stale"));
    CHECK(access(at("d"), F_OK) != 0);
    CHECK(entries(&tmps) == 4 && tmps == 0); /* a b c stale */

    /* a writer that failed (aborted): the commit renames none */
    CHECK_OK(ctx, ks_text_group_new(ctx, &g));
    CHECK_OK(ctx, write_group(ctx, g, "a", "newest a"));
    ks_text_writer *w = NULL;
    CHECK_OK(ctx, ks_text_group_create(ctx, g, at("b"), 0, &w));
    ks_text_abort(w);
    CHECK_FAILS(ctx, ks_text_group_commit(g), KS_EIO, "b: not written");
    CHECK(!strcmp(get("a"), "new a") && !strcmp(get("b"), "new b"));
    CHECK(entries(&tmps) == 4 && tmps == 0);

    /* a target that is a directory: refused before anything is renamed */
    CHECK(mkdir(at("f"), 0700) == 0);
    CHECK_OK(ctx, ks_text_group_new(ctx, &g));
    CHECK_OK(ctx, write_group(ctx, g, "a", "newest a"));
    CHECK_OK(ctx, write_group(ctx, g, "f", "new f"));
    CHECK_FAILS(ctx, ks_text_group_commit(g), KS_EIO, "it is a directory");
    CHECK(!strcmp(get("a"), "new a"));
    CHECK(entries(&tmps) == 5 && tmps == 0);
    CHECK(rmdir(at("f")) == 0);

    /* aborted: the temporaries go, the targets stay */
    CHECK_OK(ctx, ks_text_group_new(ctx, &g));
    CHECK_OK(ctx, write_group(ctx, g, "a", "newest a"));
    ks_text_group_abort(g);
    CHECK(!strcmp(get("a"), "new a"));
    CHECK(entries(&tmps) == 4 && tmps == 0);
}

/* This machine's name as the temporaries carry it. */
static void host(char *h, size_t cap)
{
    if (gethostname(h, cap - 1) != 0) h[0] = '\0';
    h[cap - 1] = '\0';
    for (char *p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    if (!h[0]) strcpy(h, "host");
}

static void test_leftovers(ks_ctx *ctx)
{
    char h[64], name[512];
    host(h, sizeof h);
    /* a killed run's (no such process), a live one's (pid 1), another machine's, and another
     * target's: only the first goes when "out" is written */
    snprintf(name, sizeof name, ".out.kestrel-%s-999999999-abcdef.tmp", h);
    put(name, "dead");
    snprintf(name, sizeof name, ".out.kestrel-%s-1-abcdef.tmp", h);
    put(name, "live");
    put(".out.kestrel-elsewhere-999999999-abcdef.tmp", "other machine");
    snprintf(name, sizeof name, ".other.kestrel-%s-999999999-abcdef.tmp", h);
    put(name, "other target");
    int tmps, n0 = entries(&tmps);
    CHECK(tmps == 4);
    ks_text_writer *w = NULL;
    CHECK_OK(ctx, ks_text_create(ctx, at("out"), 0, &w));
    ks_text_puts(w, "out");
    CHECK_OK(ctx, ks_text_commit(w));
    CHECK(entries(&tmps) == n0 && tmps == 3); /* "out" came, the dead run's went */
    snprintf(name, sizeof name, ".out.kestrel-%s-999999999-abcdef.tmp", h);
    CHECK(access(at(name), F_OK) != 0);
    CHECK(!strcmp(get("out"), "out"));
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    snprintf(dir, sizeof dir, "%s", ktest_tmpfile("_group", "", 0));
    unlink(dir);
    CHECK(mkdir(dir, 0700) == 0);
    test_commit_and_failures(ctx);
    test_leftovers(ctx);
    ks_ctx_free(ctx);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return ktest_finish("text_group");
}
