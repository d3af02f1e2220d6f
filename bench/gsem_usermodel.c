/* gsem_usermodel.c — wall time per call of usermodel() and commonfactor() (src/gsem/usermodel.c,
 * commonfactor.c) on the simulated covstruc (tests/data/gsem/ref/ldsc_*.tsv), the calls of
 * bench/gsem_sem_peer.R. Built against the static library, run from the repository root:
 *
 *   cc -O2 -fopenmp -Iinclude bench/gsem_usermodel.c build/libkestrel.a \
 *      $(pkg-config --libs openblas zlib libisal) -lm -o /tmp/gsem_usermodel
 *   /tmp/gsem_usermodel [REPS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kestrel/kestrel.h"

static double *matrix(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[65536];
    size_t i = 0;
    double *A = NULL;
    *n = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *save = NULL, *tok = strtok_r(line, "\t\n", &save);
        if (!*n) {
            while (tok) (*n)++, tok = strtok_r(NULL, "\t\n", &save);
            A = malloc(*n * *n * sizeof *A);
            continue;
        }
        for (size_t j = 0; j < *n; j++) A[i + j * *n] = strtod(strtok_r(NULL, "\t\n", &save), NULL);
        i++;
    }
    if (f) fclose(f);
    if (!A || i != *n) exit(1);
    return A;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 200;
    size_t k, ks;
    double *S = matrix("tests/data/gsem/ref/ldsc_S.tsv", &k);
    double *V = matrix("tests/data/gsem/ref/ldsc_V.tsv", &ks);
    const char *names[5] = {"T1", "T2", "T3", "T4", "T5"};
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) || ks_ctx_set_threads(ctx, 1)) return 1;
    ks_gsem_ldsc_view in = {0};
    in.k = k;
    in.S = S;
    in.V = V;
    in.names = names;
    in.m = NAN;
    ks_gsem_ldsc *cs = NULL;
    if (ks_gsem_ldsc_make(ctx, &in, &cs)) return 1;
    const struct {
        const char *what, *model;
        ks_sem_estimator est;
    } c[5] = {{"usermodel 1F DWLS", "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1", KS_SEM_DWLS},
              {"usermodel 1F ML", "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1", KS_SEM_ML},
              {"usermodel 2F DWLS",
               "F1 =~ NA*T1 + T2 + T3\nF2 =~ NA*T4 + T5\nF1 ~~ 1*F1\nF2 ~~ 1*F2\nF1 ~~ F2\n"
               "T1 ~~ a*T1\na > .001",
               KS_SEM_DWLS},
              {"commonfactor DWLS", NULL, KS_SEM_DWLS},
              {"commonfactor ML", NULL, KS_SEM_ML}};
    for (int i = 0; i < 5; i++) {
        const double t0 = now();
        for (int r = 0; r < reps; r++) {
            int rc;
            if (c[i].model) {
                ks_gsem_usermodel_options o = KS_GSEM_USERMODEL_OPTIONS_INIT;
                o.estimation = c[i].est;
                ks_gsem_usermodel *u = NULL;
                rc = ks_gsem_usermodel_fit(ctx, cs, c[i].model, &o, &u);
                ks_gsem_usermodel_free(u);
            } else {
                ks_gsem_commonfactor_options o = KS_GSEM_COMMONFACTOR_OPTIONS_INIT;
                o.estimation = c[i].est;
                ks_gsem_commonfactor *cf = NULL;
                rc = ks_gsem_commonfactor_fit(ctx, cs, &o, &cf);
                ks_gsem_commonfactor_free(cf);
            }
            if (rc) {
                fprintf(stderr, "%s: %s\n", c[i].what, ks_errmsg(ctx));
                return 1;
            }
        }
        printf("%-20s %8.3f ms per call (%d calls)\n", c[i].what, 1e3 * (now() - t0) / reps, reps);
    }
    ks_gsem_ldsc_free(cs);
    ks_ctx_free(ctx);
    free(S);
    free(V);
    return 0;
}
