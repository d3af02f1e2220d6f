/* ktest.c — the harness behind ktest.h. */
#include "ktest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ktest_failures = 0, ktest_checks = 0;

const char *ktest_tmpfile(const char *suffix, const char *text, size_t len)
{
    static char path[4096];
    static int counter = 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/ktest_%d_%d%s", tmp ? tmp : "/tmp", (int)getpid(), counter++,
             suffix);
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    fwrite(text, 1, len, f);
    fclose(f);
    return path;
}

int ktest_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, ktest_checks, ktest_failures);
    return ktest_failures ? 1 : 0;
}

double *ktest_read_square(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, i = 0;
    double *A = NULL;
    int bad = !f;
    *n = 0;
    while (!bad && getline(&line, &cap, f) > 0) {
        char *save = NULL, *tok = strtok_r(line, "\t\n", &save);
        if (!*n) { /* the header: count the names */
            while (tok) (*n)++, tok = strtok_r(NULL, "\t\n", &save);
            A = *n ? malloc(*n * *n * sizeof *A) : NULL;
            bad = !A;
            continue;
        }
        if (i >= *n) {
            bad = 1;
            break;
        }
        for (size_t j = 0; j < *n && !bad; j++) {
            const char *t = strtok_r(NULL, "\t\n", &save);
            char *end;
            A[i + j * *n] = t ? strtod(t, &end) : 0.0;
            bad = !t || end == t;
        }
        i++;
    }
    free(line);
    if (f) fclose(f);
    ktest_checks++;
    if (bad || i != *n) {
        ktest_failures++;
        fprintf(stderr, "%s: not a square reference matrix\n", path);
        free(A);
        return NULL;
    }
    return A;
}

void *ktest_fa_malloc(void *ud, size_t n)
{
    ktest_fail_alloc *a = ud;
    if (++a->count == a->fail_at) return NULL;
    void *p = malloc(n);
    if (p) a->live++;
    return p;
}

void *ktest_fa_realloc(void *ud, void *p, size_t n)
{
    ktest_fail_alloc *a = ud;
    if (++a->count == a->fail_at) return NULL;
    void *q = realloc(p, n);
    if (q && !p) a->live++;
    return q;
}

void ktest_fa_free(void *ud, void *p)
{
    ktest_fail_alloc *a = ud;
    if (p) a->live--;
    free(p);
}

char *ktest_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) free(b);
            b = nb;
        }
    }
    fclose(f);
    if (!b) return NULL;
    b[n] = '\0';
    if (len) *len = n;
    return b;
}

ks_table *ktest_read_text(ks_ctx *ctx, const char *path, const char *const *cols)
{
    static const ks_col_type types[16] = {
        KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING,
        KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING,
        KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING};
    static const char *const no_na[] = {NULL};
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.na_tokens = no_na;
    o.col_names = cols;
    o.col_types = types;
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, path, &o, &t));
    return t;
}

const char *ktest_cell(ks_ctx *ctx, const ks_table *t, const char *col, size_t row)
{
    size_t j = 0;
    if (ks_table_find(ctx, t, col, &j) != KS_OK) return "?";
    const char *s = ks_table_string(t, j, row);
    return s ? s : "";
}

static uint64_t ktest_rng = 0x9E3779B97F4A7C15ull;

void ktest_seed(uint64_t state) { ktest_rng = state; }

uint64_t ktest_next(void)
{
    ktest_rng ^= ktest_rng << 13;
    ktest_rng ^= ktest_rng >> 7;
    ktest_rng ^= ktest_rng << 17;
    return ktest_rng;
}

double ktest_unif(void) { return (double)(ktest_next() >> 11) / 9007199254740992.0; }
