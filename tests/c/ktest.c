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
