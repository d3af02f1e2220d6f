/* driver.c — runs a fuzz harness's LLVMFuzzerTestOneInput once over every file of the folders
 * (and files) named on the command line, in name order: the corpus as a regression test that any
 * compiler builds. Under `make fuzz` libFuzzer's own main replaces this one. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t n = 0, cap = 4096;
    uint8_t *buf = malloc(cap);
    for (size_t got = 1; buf && got;) {
        if (n == cap) {
            uint8_t *b = realloc(buf, 2 * cap);
            if (!b) break;
            buf = b;
            cap *= 2;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    }
    const int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of the folder, in name order (dot files skipped); *runs counts them. */
static int run_dir(const char *dir, size_t *runs)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int bad = 0;
    for (struct dirent *e; !bad && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) break;
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        bad |= run_file(names[i]);
        free(names[i]);
    }
    free(names);
    *runs += n;
    return bad;
}

int main(int argc, char **argv)
{
    size_t runs = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            perror(argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            bad |= run_dir(argv[i], &runs);
        } else {
            bad |= run_file(argv[i]);
            runs++;
        }
    }
    printf("%s: %zu inputs run\n", argc > 0 ? argv[0] : "fuzz", runs);
    return bad || runs == 0; /* (an empty corpus tests nothing) */
}
