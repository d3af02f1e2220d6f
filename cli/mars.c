/* mars.c — `kestrel mars fit` and `kestrel mars predict`: MARS (R earth's models) from a CSV/TSV
 * file, the model written as JSON (written whole or not at all), and predictions from it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The numeric columns named in list (or every numeric one not excluded) as an n x p
 * column-major matrix; names[j] borrowed from the table. */
static int columns(const char *cmd, const ks_table *t, const char *const *list, size_t nlist,
                   const char *const *exclude, size_t nexcl, double **X, const char ***names,
                   size_t *p)
{
    const size_t n = ks_table_nrow(t), nc = ks_table_ncol(t);
    const char **nm = calloc(nc + 1, sizeof *nm);
    if (!nm) {
        fprintf(stderr, "kestrel %s: out of memory\n", cmd);
        return CLI_FAILED;
    }
    size_t k = 0;
    if (list) {
        for (size_t a = 0; a < nlist; a++) {
            size_t j;
            if (ks_table_find(NULL, t, list[a], &j) != KS_OK) {
                fprintf(stderr, "kestrel %s: no column '%s' in the data\n", cmd, list[a]);
                free(nm);
                return CLI_FAILED;
            }
            if (ks_table_col_type(t, j) == KS_COL_STRING) {
                fprintf(stderr, "kestrel %s: column '%s' is text, not a number\n", cmd, list[a]);
                free(nm);
                return CLI_FAILED;
            }
            for (size_t b = 0; b < k; b++)
                if (!strcmp(nm[b], list[a])) {
                    fprintf(stderr, "kestrel %s: column '%s' is listed twice\n", cmd, list[a]);
                    free(nm);
                    return CLI_USAGE;
                }
            nm[k++] = ks_table_col_name(t, j);
        }
    } else {
        for (size_t j = 0; j < nc; j++) {
            const char *c = ks_table_col_name(t, j);
            int skip = ks_table_col_type(t, j) == KS_COL_STRING;
            for (size_t e = 0; e < nexcl && !skip; e++) skip = exclude[e] && !strcmp(exclude[e], c);
            if (!skip) nm[k++] = c;
        }
    }
    if (k == 0) {
        fprintf(stderr, "kestrel %s: no predictor columns\n", cmd);
        free(nm);
        return CLI_FAILED;
    }
    double *x = malloc((n ? n : 1) * k * sizeof *x);
    if (!x) {
        fprintf(stderr, "kestrel %s: out of memory\n", cmd);
        free(nm);
        return CLI_FAILED;
    }
    for (size_t a = 0; a < k; a++) {
        size_t j;
        if (ks_table_find(NULL, t, nm[a], &j) != KS_OK ||
            ks_table_get_double(NULL, t, j, x + a * n, ks_table_nrow(t)) != KS_OK) {
            fprintf(stderr, "kestrel %s: column '%s' is not numeric\n", cmd, nm[a]);
            free(nm);
            free(x);
            return CLI_FAILED;
        }
    }
    *X = x;
    *names = nm;
    *p = k;
    return CLI_OK;
}

/* A term as earth names it: factors in predictor order, cuts with %g. */
static void term_name(const ks_mars_view *v, size_t j, const char *const *names, char *buf,
                      size_t len)
{
    size_t at = 0;
    const size_t a = v->term_start[j], b = v->term_start[j + 1];
    if (a == b) {
        snprintf(buf, len, "(Intercept)");
        return;
    }
    buf[0] = 0;
    for (size_t p = 0; p < v->p; p++)
        for (size_t q = a; q < b; q++) {
            const ks_mars_factor *f = &v->factor[q];
            if ((size_t)f->pred != p) continue;
            const char *sep = at ? "*" : "";
            int k = 0;
            if (f->dir == 1) k = snprintf(buf + at, len - at, "%sh(%s-%g)", sep, names[p], f->cut);
            if (f->dir == -1) k = snprintf(buf + at, len - at, "%sh(%g-%s)", sep, f->cut, names[p]);
            if (f->dir == 2) k = snprintf(buf + at, len - at, "%s%s", sep, names[p]);
            if (f->dir == 3) k = snprintf(buf + at, len - at, "%spresent(%s)", sep, names[p]);
            if (f->dir == -3) k = snprintf(buf + at, len - at, "%smissing(%s)", sep, names[p]);
            if (k > 0 && at + (size_t)k < len) at += (size_t)k;
        }
}

void cli_print_mars(const ks_mars_view *v, const char *const *names, const char *const *targets)
{
    char buf[1024];
    const double *coef = v->family != KS_MARS_GAUSSIAN ? v->glm_coef : v->coef;
    size_t width = 12;
    for (size_t a = 0; a < v->nselected; a++) {
        term_name(v, v->selected[a], names, buf, sizeof buf);
        width = strlen(buf) + 2 > width ? strlen(buf) + 2 : width;
    }
    printf("%-*s", (int)width, "");
    for (size_t r = 0; r < v->ny; r++) printf("  %14s", targets[r]);
    printf("\n");
    for (size_t a = 0; a < v->nselected; a++) {
        term_name(v, v->selected[a], names, buf, sizeof buf);
        printf("%-*s", (int)width, buf);
        for (size_t r = 0; r < v->ny; r++) printf("  %14.7g", coef[r * v->nselected + a]);
        printf("\n");
    }
    size_t used = 0;
    for (size_t p = 0; p < v->p; p++) {
        int in = 0;
        for (size_t a = 0; a < v->nselected && !in; a++)
            for (size_t q = v->term_start[v->selected[a]]; q < v->term_start[v->selected[a] + 1]; q++)
                in |= (size_t)v->factor[q].pred == p;
        used += (size_t)in;
    }
    printf("\nSelected %zu of %zu terms, and %zu of %zu predictors\n", v->nselected, v->nterms,
           used, v->p);
    const char *stop = ks_mars_stop_name(v->termcond);
    printf("Termination condition: %s\n", stop ? stop : "");
    if (v->family != KS_MARS_GAUSSIAN)
        for (size_t r = 0; r < v->ny; r++)
            printf("GLM (%s) %s: deviance %.7g, null deviance %.7g, %d iterations\n",
                   ks_mars_family_name(v->family), targets[r], v->glm_deviance[r],
                   v->glm_null_deviance[r], v->glm_iterations[r]);
    printf("GCV %.7g    RSS %.7g    GRSq %.7g    RSq %.7g\n", v->gcv, v->rss, v->grsq, v->rsq);
    printf("\nVariable importance (earth's evimp: nsubsets, gcv, rss)\n");
    for (size_t p = 0; p < v->p; p++)
        if (v->evimp_nsubsets[p] > 0)
            printf("  %-16s %6.0f %6.1f %6.1f\n", names[p], v->evimp_nsubsets[p], v->evimp_gcv[p],
                   v->evimp_rss[p]);
}

/* Write s to path through a temporary file, renamed when complete. */
static int write_whole(ks_ctx *ctx, const char *path, const char *s)
{
    ks_text_writer *w;
    if (ks_text_create(ctx, path, 0, &w) != KS_OK) return cli_fail(ctx, "mars fit");
    ks_text_puts(w, s);
    if (ks_text_commit(w) != KS_OK) return cli_fail(ctx, "mars fit");
    return CLI_OK;
}

static int cmd_mars_fit(int argc, char **argv)
{
    const char *data = NULL, *target = NULL, *preds = NULL, *degree = NULL, *nk = NULL,
               *penalty = NULL, *thresh = NULL, *minspan = NULL, *endspan = NULL, *adj = NULL,
               *fastk = NULL, *fastb = NULL, *newvar = NULL, *linpreds = NULL, *noauto = NULL,
               *pmethod = NULL, *nprune = NULL, *nfold = NULL, *seed = NULL, *glm = NULL,
               *weights = NULL, *missing = NULL, *out = NULL, *json = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"target", 1, &target, "Y[,Y2]", "response column(s), comma-separated for several"},
        {"predictors", 1, &preds, "LIST", "predictor columns (default: every numeric column but "
                                          "the\ntargets and --weights)"},
        {"max-degree", 1, &degree, "D", "highest interaction degree (default 1)", "degree"},
        {"max-terms", 1, &nk, "N", "forward-pass terms, earth's nk (default min(200, max(20, "
                                   "2p)) + 1)"},
        {"penalty", 1, &penalty, "P", "GCV cost per knot (default 2 for degree 1, else 3; -1: "
                                      "none)"},
        {"thresh", 1, &thresh, "T", "forward-pass RSq threshold (default 0.001)"},
        {"minspan", 1, &minspan, "N", "cases between knots (0: automatic; < 0: about -N knots)"},
        {"endspan", 1, &endspan, "N", "cases at each end without knots (0: automatic)"},
        {"adjust-endspan", 1, &adj, "A", "endspan x (1 + A) for interactions (default 2)"},
        {"fast-k", 1, &fastk, "K", "Fast MARS parents per step (default 20; 0: all)"},
        {"fast-beta", 1, &fastb, "B", "Fast MARS ageing (default 1)"},
        {"newvar-penalty", 1, &newvar, "G", "penalty on predictors not yet used (default 0)"},
        {"linpreds", 1, &linpreds, "LIST", "predictors that enter linearly only"},
        {"no-auto-linpreds", 0, &noauto, NULL,
         "keep a knot at a predictor's minimum a hinge\n(Python: allow_linear=False)"},
        {"pmethod", 1, &pmethod, "M", "backward (default) | none | exhaustive | cv"},
        {"nprune", 1, &nprune, "N", "at most N terms after pruning"},
        {"nfold", 1, &nfold, "K", "folds for --pmethod cv (default 5)"},
        {"random-state", 1, &seed, "S", "seed of the folds of --pmethod cv (default 0)", "seed"},
        {"glm", 1, &glm, "FAMILY", "binomial | poisson: a GLM on the selected terms"},
        {"weights", 1, &weights, "COL", "case weights column (Python: fit(sample_weight=))"},
        {"allow-missing", 0, &missing, NULL, "NaN/empty predictor cells allowed (missingness "
                                             "factors)"},
        {"out", 1, &out, "FILE", "write the model as JSON (read by kestrel mars predict)"},
        {"json", 0, &json, NULL, "print the model as JSON instead of the summary"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores, fewer for\n"
                                      "small work); the model is the same for any number"},
    };
    int rc = cli_parse_help(
        "mars fit", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel mars fit --data FILE --target Y[,Y2...] [options]\n\n"
        "Multivariate adaptive regression splines as R's earth builds them: the forward\n"
        "pass, backward pruning by GCV, the model summary on stdout.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !target) {
        fprintf(stderr, "kestrel mars fit: --data and --target are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_mars_options o = KS_MARS_OPTIONS_INIT;
    long l;
    double d;
#define INT_OPT(s, name, lo, field)                                                                \
    if (s) {                                                                                       \
        if (cli_int("mars fit", name, s, lo, &l)) return CLI_USAGE;                                \
        field = (int)l;                                                                            \
    }
#define NUM_OPT(s, name, field)                                                                    \
    if (s) {                                                                                       \
        if (cli_num("mars fit", name, s, &d)) return CLI_USAGE;                                    \
        field = d;                                                                                 \
    }
    INT_OPT(degree, "--max-degree", 1, o.max_degree);
    INT_OPT(nk, "--max-terms", 0, o.max_terms);
    INT_OPT(minspan, "--minspan", -1000000, o.minspan);
    INT_OPT(endspan, "--endspan", 0, o.endspan);
    INT_OPT(fastk, "--fast-k", 0, o.fast_k);
    INT_OPT(nprune, "--nprune", 0, o.nprune);
    INT_OPT(nfold, "--nfold", 2, o.nfold);
    NUM_OPT(penalty, "--penalty", o.penalty);
    NUM_OPT(thresh, "--thresh", o.thresh);
    NUM_OPT(adj, "--adjust-endspan", o.adjust_endspan);
    NUM_OPT(fastb, "--fast-beta", o.fast_beta);
    NUM_OPT(newvar, "--newvar-penalty", o.newvar_penalty);
    if (seed) {
        if (cli_int("mars fit", "--random-state", seed, 0, &l)) return CLI_USAGE;
        o.seed = (uint64_t)l;
    }
    if (pmethod || glm) { /* the library's names: a usage error with its message */
        ks_ctx *ec = NULL;
        if (ks_ctx_new(&ec) != KS_OK) {
            fprintf(stderr, "kestrel mars fit: out of memory\n");
            return CLI_FAILED;
        }
        const char *bad = NULL;
        if (pmethod && ks_mars_pmethod_value(ec, pmethod, &o.pmethod) != KS_OK)
            bad = "--pmethod";
        else if (glm && ks_mars_family_value(ec, glm, &o.family) != KS_OK)
            bad = "--glm";
        if (bad) fprintf(stderr, "kestrel mars fit: %s: %s\n", bad, ks_errmsg(ec));
        ks_ctx_free(ec);
        if (bad) return CLI_USAGE;
    }
    o.auto_linpreds = !noauto;
    o.allow_missing = missing != NULL;
    ks_ctx *ctx = NULL;
    ks_table *t = NULL;
    ks_mars *m = NULL;
    double *X = NULL, *Y = NULL, *W = NULL;
    const char **names = NULL, **tnames = NULL, **plist = NULL, **tlist = NULL, **llist = NULL;
    const char **excl = NULL;
    char *js = NULL;
    unsigned char *lin = NULL;
    size_t np = 0, nt = 0, nl = 0, p = 0, ny = 0;
    if ((rc = cli_list("mars fit", "--target", target, &tlist, &nt)) ||
        (preds && (rc = cli_list("mars fit", "--predictors", preds, &plist, &np))) ||
        (linpreds && (rc = cli_list("mars fit", "--linpreds", linpreds, &llist, &nl))))
        goto done;
    if (!(excl = calloc(nt + 2, sizeof *excl))) {
        fprintf(stderr, "kestrel mars fit: out of memory\n");
        rc = CLI_FAILED;
        goto done;
    }
    if ((rc = cli_ctx(&ctx, "mars fit", threads))) goto done;
    if (ks_table_read_csv(ctx, data, NULL, &t) != KS_OK) {
        rc = cli_fail(ctx, "mars fit");
        goto done;
    }
    const size_t n = ks_table_nrow(t);
    {
        size_t ne = 0; /* the targets and the weights are not predictors */
        for (size_t j = 0; j < nt; j++) excl[ne++] = tlist[j];
        if (weights) excl[ne++] = weights;
        if ((rc = columns("mars fit", t, plist, np, excl, ne, &X, &names, &p))) goto done;
        if ((rc = columns("mars fit", t, tlist, nt, NULL, 0, &Y, &tnames, &ny))) goto done;
        if (weights) {
            const char *wl[1] = {weights};
            const char **wn = NULL;
            size_t one;
            if ((rc = columns("mars fit", t, wl, 1, NULL, 0, &W, &wn, &one))) goto done;
            free(wn);
        }
    }
    if (llist) {
        if (!(lin = calloc(p, 1))) {
            fprintf(stderr, "kestrel mars fit: out of memory\n");
            rc = CLI_FAILED;
            goto done;
        }
        for (size_t a = 0; a < nl; a++) {
            size_t j = 0;
            while (j < p && strcmp(names[j], llist[a])) j++;
            if (j == p) {
                fprintf(stderr, "kestrel mars fit: --linpreds: '%s' is not a predictor\n",
                        llist[a]);
                rc = CLI_FAILED;
                goto done;
            }
            lin[j] = 1;
        }
        o.linpreds = lin;
    }
    if (ks_mars_fit(ctx, n, p, X, ny, Y, W, &o, &m) != KS_OK) {
        rc = cli_fail(ctx, "mars fit");
        goto done;
    }
    if (ks_mars_set_names(ctx, m, names, tnames) != KS_OK || ks_mars_to_json(ctx, m, &js) != KS_OK) {
        rc = cli_fail(ctx, "mars fit");
        goto done;
    }
    if (out && (rc = write_whole(ctx, out, js))) goto done;
    ks_mars_view v;
    ks_mars_get(m, &v);
    if (json)
        fputs(js, stdout);
    else
        cli_print_mars(&v, names, tnames);
done:
    ks_string_free(js);
    ks_mars_free(m);
    ks_table_free(t);
    ks_ctx_free(ctx);
    free(X);
    free(Y);
    free(W);
    free(names);
    free(tnames);
    free(plist);
    free(tlist);
    free(llist);
    free(excl);
    free(lin);
    return rc;
}

static int cmd_mars_predict(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *out = NULL, *basis = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"model", 1, &model, "FILE", "a model written by kestrel mars fit --out"},
        {"data", 1, &data, "FILE", "CSV or TSV with the model's predictor columns"},
        {"out", 1, &out, "FILE", "write the CSV to FILE (default: stdout)"},
        {"basis", 0, &basis, NULL, "write the selected terms (the basis) instead"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores, fewer for\n"
                                      "small work)"},
    };
    int rc = cli_parse_help(
        "mars predict", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel mars predict --model FILE --data FILE [--out FILE] [--basis]\n\n"
        "Predictions of a model written by kestrel mars fit --out on the rows of a "
        "CSV/TSV\nwith the model's predictor columns: one column per response "
        "(probabilities or\nmeans for a GLM), as CSV on stdout or --out.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!model || !data) {
        fprintf(stderr, "kestrel mars predict: --model and --data are required (see --help)\n");
        return CLI_USAGE;
    }
    char *json = cli_read_file("mars predict", model);
    if (!json) return CLI_FAILED;
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "mars predict", threads))) {
        free(json);
        return rc;
    }
    ks_mars *m = NULL;
    ks_table *t = NULL;
    ks_table *res = NULL;
    double *X = NULL, *P = NULL;
    const char **names = NULL;
    size_t p = 0;
    if (ks_mars_from_json(ctx, json, &m) != KS_OK) {
        fprintf(stderr, "kestrel mars predict: %s: %s\n", model, ks_errmsg(ctx));
        rc = CLI_FAILED;
        goto done;
    }
    ks_mars_view v;
    ks_mars_get(m, &v);
    if (!v.predictor_names) {
        fprintf(stderr, "kestrel mars predict: %s has no predictor names (write it with "
                        "kestrel mars fit --out)\n",
                model);
        rc = CLI_FAILED;
        goto done;
    }
    ks_csv_options copt = KS_CSV_OPTIONS_INIT;
    copt.allow_empty = 1; /* a header alone: no predictions, the header written */
    if (ks_table_read_csv(ctx, data, &copt, &t) != KS_OK) {
        rc = cli_fail(ctx, "mars predict");
        goto done;
    }
    if ((rc = columns("mars predict", t, v.predictor_names, v.p, NULL, 0, &X, &names, &p)))
        goto done;
    const size_t n = ks_table_nrow(t), cols = basis ? v.nselected : v.ny;
    P = malloc((n ? n : 1) * cols * sizeof *P);
    if (!P) {
        fprintf(stderr, "kestrel mars predict: out of memory\n");
        rc = CLI_FAILED;
        goto done;
    }
    if (ks_table_new(ctx, n, &res) != KS_OK) {
        rc = cli_fail(ctx, "mars predict");
        goto done;
    }
    if ((basis ? ks_mars_basis(ctx, m, n, X, P, n * cols)
               : ks_mars_predict(ctx, m, n, X, P, n * cols)) != KS_OK) {
        rc = cli_fail(ctx, "mars predict");
        goto done;
    }
    for (size_t c = 0; c < cols; c++) {
        char name[1100];
        if (basis)
            term_name(&v, v.selected[c], names, name, sizeof name);
        else if (v.target_names)
            snprintf(name, sizeof name, "%s", v.target_names[c]);
        else
            snprintf(name, sizeof name, "pred%zu", c + 1);
        if (ks_table_add_float64(ctx, res, name, P + c * n) != KS_OK) {
            rc = cli_fail(ctx, "mars predict");
            goto done;
        }
    }
    if (out) {
        if (ks_table_write_csv(ctx, res, out, NULL) != KS_OK) rc = cli_fail(ctx, "mars predict");
    } else {
        for (size_t c = 0; c < cols; c++)
            printf("%s%s", c ? "," : "", ks_table_col_name(res, c));
        printf("\n");
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < cols; c++) printf("%.17g%s", P[c * n + i], c + 1 < cols ? "," : "\n");
    }
done:
    free(json);
    free(X);
    free(P);
    free(names);
    ks_table_free(res);
    ks_table_free(t);
    ks_mars_free(m);
    ks_ctx_free(ctx);
    return rc;
}

int cmd_mars(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: kestrel mars fit|predict [options]   (kestrel mars fit --help)\n\n"
                "  fit      fit MARS (R earth's models) to a CSV/TSV and print its summary\n"
                "  predict  predictions of a model written by fit --out\n");
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "fit")) return cmd_mars_fit(argc - 1, argv + 1);
    if (!strcmp(argv[1], "predict")) return cmd_mars_predict(argc - 1, argv + 1);
    fprintf(stderr, "kestrel mars: unknown subcommand '%s' (fit or predict)\n", argv[1]);
    return CLI_USAGE;
}
