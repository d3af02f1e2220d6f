/* ktest.c — the harness behind ktest.h. */
#include "ktest.h"

#include <stdlib.h>
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
