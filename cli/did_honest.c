/* did_honest.c — `kestrel did honest`: HonestDiD's sensitivity intervals (Rambachan & Roth
 * 2023, R HonestDiD's numbers) from an event study's coefficients and their covariance, read
 * from two text files of numbers. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* All numbers of a text file (separated by blanks, commas, semicolons or line ends; '#' starts
 * a comment running to the line end) into a malloc'ed array; NULL with the reason on stderr. */
static double *read_numbers(const char *path, const char *opt, size_t *n)
{
    char *text = cli_read_file("did honest", path);
    if (!text) return NULL;
    size_t cap = 64, k = 0;
    double *v = malloc(cap * sizeof *v);
    char *p = text;
    int oom = !v;
    while (v) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',' || *p == ';' ||
               *p == '#') {
            if (*p == '#')
                while (*p && *p != '\n') p++;
            else
                p++;
        }
        if (!*p) break;
        char *end;
        errno = 0;
        const double x = strtod(p, &end);
        if (end == p || errno == ERANGE) {
            fprintf(stderr, "kestrel did honest: --%s %s: not a number at '%.20s'\n", opt, path, p);
            free(v);
            v = NULL;
            break;
        }
        p = end;
        if (k == cap) {
            double *w = realloc(v, 2 * cap * sizeof *v);
            if (!w) {
                free(v);
                v = NULL;
                oom = 1;
                break;
            }
            v = w, cap *= 2;
        }
        v[k++] = x;
    }
    if (oom) fprintf(stderr, "kestrel did honest: out of memory\n");
    free(text);
    *n = k;
    return v;
}

static int parse_doubles(const char *opt, const char *s, double **out, size_t *n)
{
    const char **items;
    int rc = cli_list("did honest", opt, s, &items, n);
    if (rc) return rc;
    *out = malloc((*n ? *n : 1) * sizeof **out);
    if (!*out) {
        free(items);
        fprintf(stderr, "kestrel did honest: out of memory\n");
        return CLI_FAILED;
    }
    for (size_t i = 0; i < *n && !rc; i++) rc = cli_num("did honest", opt, items[i], *out + i);
    free(items);
    return rc;
}

int cmd_did_honest(int argc, char **argv)
{
    const char *fb = NULL, *fs = NULL, *npre = NULL, *method = NULL, *ci = NULL, *ms = NULL;
    const char *ls = NULL, *alpha_s = NULL, *grid = NULL, *json = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"betahat", 1, &fb, "FILE",
         "the event-study coefficients, pre periods first, the "
         "reference period\nleft out (numbers separated by blanks, "
         "commas or lines; # comments)"},
        {"sigma", 1, &fs, "FILE", "their covariance, row by row (T x T numbers)"},
        {"num-pre-periods", 1, &npre, "K", "how many of the coefficients are pre periods"},
        {"method", 1, &method, "NAME",
         "smoothness (Delta^SD(M)), relative_magnitude (Delta^RM(Mbar))\n"
         "or combined (Delta^SDRM(Mbar), R's deviation from linear trend);\n"
         "default relative_magnitude"},
        {"ci-method", 1, &ci, "NAME",
         "smoothness: FLCI (default), Conditional, C-F or C-LF;\n"
         "relative_magnitude / combined: C-LF (default) or Conditional"},
        {"M", 1, &ms, "LIST",
         "restriction sizes, comma-separated (default 0 for smoothness,\n"
         "1 otherwise)"},
        {"l-vec", 1, &ls, "LIST", "weights on the post periods (default the first, as R)"},
        {"alpha", 1, &alpha_s, "A", "1 - coverage (default 0.05)"},
        {"grid-points", 1, &grid, "N", "test-inversion grid (default 1000, R's)"},
        {"json", 0, &json, NULL, "print JSON instead of the table"},
        {"threads", 1, &threads, "N", "threads for the grid (the results do not depend on it)"},
    };
    int rc = cli_parse_help(
        "did honest", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did honest --betahat FILE --sigma FILE --num-pre-periods K\n"
        "         [--method smoothness|relative_magnitude|combined] [--M LIST] [--json]\n\n"
        "HonestDiD (Rambachan & Roth 2023): for theta = l'tau_post, the identified set and "
        "the\nrobust confidence interval for each restriction size M, as R's HonestDiD "
        "0.2.8\ncomputes them (createSensitivityResults / _relativeMagnitudes), with the "
        "original\ninterval (constructOriginalCS).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!fb || !fs || !npre) {
        fprintf(stderr, "kestrel did honest: --betahat, --sigma and --num-pre-periods are "
                        "required (see --help)\n");
        return CLI_USAGE;
    }
    static const cli_name methods[] = {{"smoothness", KS_HONEST_SD},
                                       {"relative_magnitude", KS_HONEST_RM},
                                       {"combined", KS_HONEST_SDRM}};
    int delta = KS_HONEST_RM;
    long K, ng = 0;
    double alpha = 0.05;
    if ((method && (rc = cli_choice("did honest", "method", method, methods, 3, &delta))) ||
        (rc = cli_int("did honest", "num-pre-periods", npre, 1, &K)) ||
        (grid && (rc = cli_int("did honest", "grid-points", grid, 2, &ng))) ||
        (alpha_s && (rc = cli_positive("did honest", "alpha", alpha_s, &alpha))))
        return rc;
    ks_honest_ci cim = delta == KS_HONEST_SD ? KS_HONEST_FLCI : KS_HONEST_C_LF;
    if (ci && (rc = CLI_ENUM("did honest", "ci-method", ci, honest_ci, &cim))) return rc;
    double *b = NULL, *S = NULL, *Sc = NULL, *m = NULL, *l = NULL, *res = NULL;
    size_t T, TT, nm = 1, nl = 0;
    ks_ctx *ctx = NULL;
    rc = CLI_FAILED;
    if (!(b = read_numbers(fb, "betahat", &T)) || !(S = read_numbers(fs, "sigma", &TT))) goto done;
    if (TT != T * T || (size_t)K >= T) {
        fprintf(stderr,
                "kestrel did honest: %zu coefficients need %zu covariance entries (got %zu) "
                "and --num-pre-periods below %zu\n",
                T, T * T, TT, T);
        rc = CLI_USAGE;
        goto done;
    }
    if (ms) {
        if ((rc = parse_doubles("M", ms, &m, &nm))) goto done;
    } else if ((m = malloc(sizeof *m))) {
        m[0] = delta == KS_HONEST_SD ? 0.0 : 1.0;
    }
    if (ls && (rc = parse_doubles("l-vec", ls, &l, &nl))) goto done;
    rc = CLI_FAILED;
    if (ls && nl != T - (size_t)K) {
        fprintf(stderr, "kestrel did honest: --l-vec needs %zu weights (the post periods)\n",
                T - (size_t)K);
        rc = CLI_USAGE;
        goto done;
    }
    Sc = malloc(T * T * sizeof *Sc);
    res = malloc((4 * nm + 2) * sizeof *res);
    if (!m || !Sc || !res) {
        fprintf(stderr, "kestrel did honest: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < T; i++) /* rows read; the library takes columns */
        for (size_t j = 0; j < T; j++) Sc[j * T + i] = S[i * T + j];
    if ((rc = cli_ctx(&ctx, "did honest", threads))) goto done;
    ks_did_honest_args a = {.delta = (ks_honest_delta)delta,
                            .method = cim,
                            .num_pre = (size_t)K,
                            .num_post = T - (size_t)K,
                            .betahat = b,
                            .sigma = Sc,
                            .l_vec = l,
                            .alpha = alpha,
                            .grid_points = (size_t)ng,
                            .grid_lb = NAN,
                            .grid_ub = NAN};
    double *ci_lb = res, *ci_ub = res + nm, *id_lb = res + 2 * nm, *id_ub = res + 3 * nm;
    if (ks_did_honest_original(ctx, &a, res + 4 * nm, res + 4 * nm + 1) != KS_OK ||
        ks_did_honest_idset(ctx, &a, m, nm, id_lb, id_ub) != KS_OK ||
        ks_did_honest(ctx, &a, m, nm, ci_lb, ci_ub) != KS_OK) {
        rc = cli_fail(ctx, "did honest");
        goto done;
    }
    const char *mname = methods[delta].name;
    if (json) {
        printf("{\"method\": \"%s\", \"ci_method\": \"%s\", \"alpha\": ", mname,
               ks_honest_ci_name(cim));
        cli_json_num(stdout, alpha);
        printf(", \"original_ci\": [");
        cli_json_num(stdout, res[4 * nm]);
        printf(", ");
        cli_json_num(stdout, res[4 * nm + 1]);
        printf("], ");
        cli_json_array(stdout, "M", m, nm);
        printf(", ");
        cli_json_array(stdout, "lb", id_lb, nm);
        printf(", ");
        cli_json_array(stdout, "ub", id_ub, nm);
        printf(", ");
        cli_json_array(stdout, "ci_lb", ci_lb, nm);
        printf(", ");
        cli_json_array(stdout, "ci_ub", ci_ub, nm);
        printf("}\n");
    } else {
        printf("HonestDiD (%s, %s): %zu pre and %zu post periods, target %s\n", mname,
               ks_honest_ci_name(cim), (size_t)K, T - (size_t)K,
               l ? "l'tau_post (--l-vec)" : "the first post period");
        printf("original %g%% CI [%.6f, %.6f]\n\n", 100 * (1 - alpha), res[4 * nm],
               res[4 * nm + 1]);
        printf("%10s %12s %12s %12s %12s\n", delta == KS_HONEST_SD ? "M" : "Mbar", "id lb", "id ub",
               "ci lb", "ci ub");
        for (size_t i = 0; i < nm; i++)
            printf("%10g %12.6f %12.6f %12.6f %12.6f\n", m[i], id_lb[i], id_ub[i], ci_lb[i],
                   ci_ub[i]);
    }
    rc = CLI_OK;
done:
    ks_ctx_free(ctx);
    free(b);
    free(S);
    free(Sc);
    free(m);
    free(l);
    free(res);
    return rc;
}
