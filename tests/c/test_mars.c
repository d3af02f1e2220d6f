/* test_mars.c — MARS from C: R earth's model on trees (tests/data/mars, the reference in
 * reference_earth.json: GCV, knots), a JSON round trip, threads, weights, missing values, a GLM,
 * pmethod none and cv, bad input, and hostile model JSON. */
#include <stdlib.h>

#include "kestrel/kestrel.h"
#include "ktest.h"

/* trees (R datasets): Girth, Height -> Volume */
static const double GIRTH[31] = {8.3,  8.6,  8.8,  10.5, 10.7, 10.8, 11,   11,   11.1, 11.2, 11.3,
                                 11.4, 11.4, 11.7, 12,   12.9, 12.9, 13.3, 13.7, 13.8, 14,   14.2,
                                 14.5, 16,   16.3, 17.3, 17.5, 17.9, 18,   18,   20.6};
static const double HEIGHT[31] = {70, 65, 63, 72, 81, 83, 66, 75, 80, 75, 79, 76, 76, 69, 75, 74,
                                  85, 86, 71, 64, 78, 80, 74, 72, 77, 81, 82, 80, 80, 80, 87};
static const double VOLUME[31] = {10.3, 10.3, 10.2, 16.4, 18.8, 19.7, 15.6, 18.2, 22.6, 19.9, 24.2,
                                  21,   21.4, 21.3, 19.1, 22.2, 33.8, 27.4, 25.7, 24.9, 34.5, 31.7,
                                  36.3, 38.3, 42.6, 55.4, 55.7, 58.3, 51.5, 51,   77};

/* Friedman #1 by a fixed xorshift stream (for the larger checks). */
static void friedman(size_t n, double *X, double *y, unsigned long long s)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < 5; j++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            X[j * n + i] = (double)(s >> 11) * 0x1.0p-53;
        }
        y[i] = 10 * sin(3.14159265358979 * X[i] * X[n + i]) + 20 * pow(X[2 * n + i] - 0.5, 2) +
               10 * X[3 * n + i] + 5 * X[4 * n + i] + 0.3 * sin(1e3 * (double)i);
    }
}

/* A model text: KS_OK with *m, or the status (message in ctx). */
static int load(ks_ctx *ctx, const char *json, ks_mars **m)
{
    *m = NULL;
    return ks_mars_from_json(ctx, json, m);
}

#define MODEL_HEAD "{\"format\":\"kestrel.mars\",\"version\":1,\"n\":3,\"ny\":1,"
#define MODEL_TERMS "\"terms\":[[],[[0,1,0.5]]],\"selected\":[0,1],\"coef\":[1,2]"
/* The minimal model (p 2, one hinge on x0 at 0.5) with `extra` keys in front of its own. */
static int load_with(ks_ctx *ctx, const char *extra, ks_mars **m)
{
    char buf[512];
    snprintf(buf, sizeof buf, MODEL_HEAD "%s%s" MODEL_TERMS "}", extra, *extra ? "," : "");
    return load(ctx, buf, m);
}

/* Model JSON as a stranger may write it: pretty-printed, names with escapes; malformed,
 * nested without end, keys twice, counts and indices that are not integers in range, numbers
 * JSON does not have, repeated names: each an error naming the place, never a crash or leak. */
static void test_json_hostile(ks_ctx *ctx)
{
    ks_mars *m = NULL;
    CHECK_OK(ctx, load_with(ctx, "\"p\":2", &m));
    double x[2] = {1, 0}, y = 0;
    CHECK(m && ks_mars_predict(ctx, m, 1, x, &y, 1) == KS_OK && y == 2);
    ks_mars_free(m);
    /* white space anywhere, names with escapes and UTF-8; written back and read again */
    const char *pretty =
        "{\n  \"format\" : \"kestrel.mars\",\n  \"p\" : 2 , \"ny\":1,\n"
        "  \"terms\" : [ [ ] , [ [ 0 , 1 , 0.5 ] ] ],\n  \"selected\" : [ 0 , 1 ],\n"
        "  \"coef\" : [ 1 , 2e0 ],\n  \"predictors\" : [ \"a\\\"b\\\\\", "
        "\"\\u00e9\\ud83d\\ude00\\n\" ],\n  \"targets\" : [\"y\"]\n}\n";
    CHECK_OK(ctx, load(ctx, pretty, &m));
    if (m) {
        ks_mars_view v;
        ks_mars_get(m, &v);
        CHECK(v.predictor_names && !strcmp(v.predictor_names[0], "a\"b\\") &&
              !strcmp(v.predictor_names[1], "\xc3\xa9\xf0\x9f\x98\x80\n") &&
              !strcmp(v.target_names[0], "y"));
        char *json = NULL;
        ks_mars *back = NULL;
        CHECK_OK(ctx, ks_mars_to_json(ctx, m, &json));
        CHECK(json &&
              strstr(json, "\"predictors\":[\"a\\\"b\\\\\",\"\xc3\xa9\xf0\x9f\x98\x80\\u000a\"]"));
        CHECK_OK(ctx, json ? load(ctx, json, &back) : KS_EINVAL);
        ks_mars_view w;
        if (back) ks_mars_get(back, &w);
        CHECK(back && !strcmp(w.predictor_names[1], v.predictor_names[1]));
        ks_mars_free(back);
        ks_string_free(json);
        CHECK_FAILS(ctx, ks_mars_set_names(ctx, m, (const char *[]){"a", "a"}, NULL), KS_EINVAL,
                    "predictor name 'a' appears twice");
        CHECK_FAILS(ctx, ks_mars_set_names(ctx, m, NULL, (const char *[]){""}), KS_EINVAL,
                    "response name 1 is empty");
        ks_mars_free(m);
    }
    /* 100,000 nested '[' in a skipped value: an error, not a stack overflow */
    const size_t deep = 100000;
    char *nest = malloc(deep + 16);
    if (nest) {
        memcpy(nest, "{\"x\":", 5);
        memset(nest + 5, '[', deep);
        nest[5 + deep] = '\0';
        CHECK_FAILS(ctx, load(ctx, nest, &m), KS_EPARSE,
                    "nested more than 64 deep at character 70");
        free(nest);
    }
    static const struct {
        const char *extra, *needle;
    } bad[] = {
        {"\"p\":2,\"coef\":[3,4]", "the key \"coef\" appears twice"},
        {"\"p\":2,\"terms\":[[]]", "the key \"terms\" appears twice"},
        {"\"p\":2,\"p\":2", "the key \"p\" appears twice"},
        {"\"p\":-1", "\"p\" must be an integer from 1 to"},
        {"\"p\":1.5", "\"p\" must be an integer"},
        {"\"p\":1e300", "\"p\" must be an integer"},
        {"\"p\":1e999", "a number out of range at character 55"},
        {"\"p\":null", "expected a number at character 55"},
        {"\"p\":NaN", "expected a number at character 55"},
        {"\"p\":Infinity", "expected a number"},
        {"\"p\":0x10", "expected a number"},
        {"\"p\":+2", "expected a number"},
        {"\"p\":02", "expected a number"},
        {"\"p\":2.", "expected a digit"},
        {"\"p\":2,\"forward_slots\":-3", "\"forward_slots\" must be an integer from 0"},
        {"\"p\":2,\"nk\":1e10", "\"nk\" must be an integer"},
        {"\"p\":2,\"termcond\":99", "\"termcond\" must be an integer from 0 to 7"},
        {"\"p\":2,\"family\":-1", "\"family\" must be an integer from 0 to 2"},
        {"\"p\":2,\"parents\":[-1,5]", "\"parents\" item 2 is 5, not an integer from -1 to 1"},
        {"\"p\":2,\"glm_deviance\":[1,2,3]", "an array has the wrong length"},
        {"\"p\":2,\"predictors\":[\"a\",\"a\"]", "predictor name 'a' appears twice"},
        {"\"p\":2,\"predictors\":[\"a\"]", "1 predictor names for 2 predictors"},
        {"\"p\":2,\"targets\":[\"\"]", "response name 1 is empty"},
        {"\"p\":2,\"predictors\":[\"a\",\"b\\u0000\"]", "\\u0000 in a string"},
        {"\"p\":2,\"predictors\":[\"a\",\"\\ud800\"]", "an escape JSON does not allow"},
        {"\"p\":2,\"predictors\":[\"a\",\"\\x41\"]", "an escape JSON does not allow"},
        {"\"p\":2,\"predictors\":[\"a\",\"b\tc\"]", "a control character in a string"},
        {"\"p\":2,\"format\":\"other\"", "the key \"format\" appears twice"},
        {"\"p\":2,\"x\":{\"a\":[1,{\"b\":null}],\"c\":true},\"y\":\"z\"", ""}, /* skipped: fine */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const int rc = load_with(ctx, bad[i].extra, &m);
        if (!*bad[i].needle) {
            CHECK_OK(ctx, rc);
        } else if (rc != KS_EPARSE && rc != KS_EINVAL) {
            CHECK(!"a bad model loaded");
            fprintf(stderr, "  model with %s loaded\n", bad[i].extra);
        } else if (!strstr(ks_errmsg(ctx), bad[i].needle)) {
            CHECK(!"the wrong message");
            fprintf(stderr, "  model with %s: '%s'\n", bad[i].extra, ks_errmsg(ctx));
        }
        ks_mars_free(m);
    }
    /* out-of-range indices in the terms and the selection */
    CHECK_FAILS(ctx,
                load(ctx,
                     MODEL_HEAD "\"p\":2,\"terms\":[[],[[-1,1,0.5]]],\"selected\":[0,1],"
                                "\"coef\":[1,2]}",
                     &m),
                KS_EPARSE, "\"predictor\" must be an integer from 0");
    CHECK_FAILS(ctx,
                load(ctx,
                     MODEL_HEAD "\"p\":2,\"terms\":[[],[[0,1e10,0.5]]],\"selected\":[0,1],"
                                "\"coef\":[1,2]}",
                     &m),
                KS_EPARSE, "\"direction\" must be an integer from -3 to 3");
    CHECK_FAILS(ctx,
                load(ctx,
                     MODEL_HEAD "\"p\":2,\"terms\":[[],[[0,1,0.5]]],\"selected\":[0,-1],"
                                "\"coef\":[1,2]}",
                     &m),
                KS_EPARSE, "\"selected\" item 2 is -1");
    CHECK_FAILS(ctx,
                load(ctx,
                     MODEL_HEAD "\"p\":2,\"terms\":[[],[[0,1,0.5]]],\"selected\":[0,null],"
                                "\"coef\":[1,2]}",
                     &m),
                KS_EPARSE, "\"selected\" item 2 is nan");
    CHECK_FAILS(ctx, load(ctx, MODEL_HEAD "\"p\":2," MODEL_TERMS "} x", &m), KS_EPARSE,
                "text after the model");
    CHECK_FAILS(ctx, load(ctx, "{\"version\":2,\"format\":\"kestrel.mars\"}", &m), KS_EPARSE,
                "format version 2 is newer than this kestrel reads (1) at character 12");
}

/* The enumerations' names: the words the CLI and Python accept, earth's stop reasons. */
static void test_enum_names(ks_ctx *ctx)
{
    ks_mars_pmethod pm = KS_MARS_PRUNE_BACKWARD;
    ks_mars_family fam = KS_MARS_GAUSSIAN;
    ks_mars_stop st = KS_MARS_STOP_NK_SMALL;
    CHECK(!strcmp(ks_mars_pmethod_name(KS_MARS_PRUNE_EXHAUSTIVE), "exhaustive"));
    CHECK_OK(ctx, ks_mars_pmethod_value(ctx, "cv", &pm));
    CHECK(pm == KS_MARS_PRUNE_CV);
    CHECK_FAILS(ctx, ks_mars_pmethod_value(ctx, "sideways", &pm), KS_EINVAL,
                "pmethod: 'sideways' is not one of 'backward', 'none', 'exhaustive', 'cv'");
    CHECK(pm == KS_MARS_PRUNE_CV);
    CHECK(!strcmp(ks_mars_family_name(KS_MARS_POISSON), "poisson"));
    CHECK_OK(ctx, ks_mars_family_value(ctx, "binomial", &fam));
    CHECK(fam == KS_MARS_BINOMIAL);
    CHECK_FAILS(ctx, ks_mars_family_value(ctx, "gamma", &fam), KS_EINVAL, "family");
    CHECK(ks_mars_family_name((ks_mars_family)3) == NULL);
    CHECK(!strcmp(ks_mars_stop_name(KS_MARS_STOP_THRESH), "RSq changed by less than thresh"));
    CHECK(ks_mars_stop_name((ks_mars_stop)0) == NULL);
    CHECK_OK(ctx, ks_mars_stop_value(ctx, "reached max_terms", &st));
    CHECK(st == KS_MARS_STOP_MAX_TERMS);
}

int main(void)
{
    ks_ctx *ctx;
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    double X[62];
    memcpy(X, GIRTH, sizeof GIRTH);
    memcpy(X + 31, HEIGHT, sizeof HEIGHT);
    ks_mars *m = NULL;
    ks_mars_options o = KS_MARS_OPTIONS_INIT;
    CHECK_OK(ctx, ks_mars_fit(ctx, 31, 2, X, 1, VOLUME, NULL, &o, &m));
    ks_mars_view v;
    ks_mars_get(m, &v);
    /* R earth 5.3.2, earth(Volume ~ ., trees): 5 forward terms, 4 selected, GCV 11.2543914784125 */
    CHECK(v.nterms == 5 && v.nselected == 4 && v.termcond == KS_MARS_STOP_THRESH);
    CHECK(fabs(v.gcv - 11.2543914784125) < 1e-9 * 11.25);
    CHECK(v.factor[v.term_start[1]].pred == 0 && v.factor[v.term_start[1]].cut == 14.2);
    /* JSON: the same model back */
    char *json = NULL;
    CHECK_OK(ctx, ks_mars_to_json(ctx, m, &json));
    ks_mars *back = NULL;
    CHECK_OK(ctx, ks_mars_from_json(ctx, json, &back));
    double p1[31], p2[31];
    CHECK_OK(ctx, ks_mars_predict(ctx, m, 31, X, p1, 31));
    CHECK_OK(ctx, back ? ks_mars_predict(ctx, back, 31, X, p2, 31) : KS_EINVAL);
    CHECK(!memcmp(p1, p2, sizeof p1));
    /* a caller's buffer comes with its size: one short is an error naming the size needed */
    CHECK_FAILS(ctx, ks_mars_predict(ctx, m, 31, X, p1, 30), KS_EINVAL,
                "out has room for 30 values; 31 needed");
    double basis[31 * 4];
    CHECK_FAILS(ctx, ks_mars_basis(ctx, m, 31, X, basis, 31 * 4 - 1), KS_EINVAL,
                "123 values; 124 needed (31 cases x 4 terms)");
    CHECK_OK(ctx, ks_mars_basis(ctx, m, 31, X, basis, 31 * 4));
    for (int i = 0; i < 31; i++) CHECK(basis[i] == 1.0); /* the intercept */
    ks_string_free(json);
    ks_mars_free(back);
    CHECK_FAILS(ctx, ks_mars_from_json(ctx, "{\"format\":\"kestrel.mars\",\"terms\":[[]]}", &back),
                KS_EPARSE, "do not fit together");
    CHECK_FAILS(ctx, ks_mars_from_json(ctx, "{\"terms\": [", &back), KS_EPARSE, "character");
    ks_mars_free(m);
    test_json_hostile(ctx);

    /* Friedman #1, degree 2: 1 and 2 threads build the same model (thread_min_work 0: every
     * step shared, where the default keeps a fit this small on one thread) */
    const size_t n = 400;
    double *FX = malloc(n * 5 * sizeof *FX), *Fy = malloc(n * sizeof *Fy);
    friedman(n, FX, Fy, 88172645463325252ULL);
    ks_mars *a = NULL, *b = NULL;
    o.max_degree = 2;
    CHECK(ks_ctx_set_thread_min_work(ctx, 0) == KS_OK);
    CHECK(ks_ctx_set_threads(ctx, 1) == KS_OK);
    CHECK_OK(ctx, ks_mars_fit(ctx, n, 5, FX, 1, Fy, NULL, &o, &a));
    CHECK(ks_ctx_set_threads(ctx, 2) == KS_OK);
    CHECK_OK(ctx, ks_mars_fit(ctx, n, 5, FX, 1, Fy, NULL, &o, &b));
    ks_mars_view va, vb;
    ks_mars_get(a, &va);
    ks_mars_get(b, &vb);
    CHECK(va.nterms == vb.nterms && va.nselected == vb.nselected && va.rsq > 0.9);
    CHECK(!memcmp(va.coef, vb.coef, va.nselected * sizeof *va.coef));
    ks_mars_free(a);
    ks_mars_free(b);
    CHECK(ks_ctx_set_thread_min_work(ctx, 1e6) == KS_OK);

    /* weights, missing cells, a GLM, pmethod none and cv all fit */
    double *w = malloc(n * sizeof *w), *yb = malloc(n * sizeof *yb);
    for (size_t i = 0; i < n; i++) {
        w[i] = 0.5 + (double)(i % 5) / 4;
        yb[i] = Fy[i] > 14.0;
    }
    CHECK_OK(ctx, ks_mars_fit(ctx, n, 5, FX, 1, Fy, w, &o, &a));
    ks_mars_free(a);
    o.family = KS_MARS_BINOMIAL;
    CHECK_OK(ctx, ks_mars_fit(ctx, n, 5, FX, 1, yb, NULL, &o, &a));
    ks_mars_get(a, &va);
    CHECK(va.glm_deviance && va.glm_deviance[0] < va.glm_null_deviance[0]);
    ks_mars_free(a);
    o.family = KS_MARS_GAUSSIAN;
    o.pmethod = KS_MARS_PRUNE_NONE;
    CHECK_OK(ctx, ks_mars_fit(ctx, n, 5, FX, 1, Fy, NULL, &o, &a));
    ks_mars_get(a, &va);
    CHECK(va.nselected == va.nterms);
    ks_mars_free(a);
    o.pmethod = KS_MARS_PRUNE_CV;
    CHECK_OK(ctx, ks_mars_fit(ctx, n, 5, FX, 1, Fy, NULL, &o, &a));
    ks_mars_get(a, &va);
    CHECK(va.cv_rsq && va.cv_rsq[va.nselected - 1] > 0.8);
    ks_mars_free(a);
    o.pmethod = KS_MARS_PRUNE_BACKWARD;
    for (size_t i = 0; i < n; i += 9) FX[2 * n + i] = NAN;
    CHECK_FAILS(ctx, ks_mars_fit(ctx, n, 5, FX, 1, Fy, NULL, &o, &a), KS_EINVAL,
                "column 3 row 1 is missing");
    o.allow_missing = 1;
    CHECK_OK(ctx, ks_mars_fit(ctx, n, 5, FX, 1, Fy, NULL, &o, &a));
    double *pr = malloc(n * sizeof *pr);
    CHECK_OK(ctx, ks_mars_predict(ctx, a, n, FX, pr, n));
    int finite = 1;
    for (size_t i = 0; i < n; i++) finite &= isfinite(pr[i]) != 0;
    CHECK(finite);
    ks_mars_free(a);
    o.allow_missing = 0;

    /* bad input */
    CHECK_FAILS(ctx, ks_mars_fit(ctx, 1, 2, X, 1, VOLUME, NULL, NULL, &a), KS_EINVAL, "1 sample");
    ks_mars_options bad = KS_MARS_OPTIONS_INIT;
    bad.thresh = 2;
    CHECK_FAILS(ctx, ks_mars_fit(ctx, 31, 2, X, 1, VOLUME, NULL, &bad, &a), KS_EINVAL, "thresh");
    bad = (ks_mars_options)KS_MARS_OPTIONS_INIT;
    bad.max_degree = 0;
    CHECK_FAILS(ctx, ks_mars_fit(ctx, 31, 2, X, 1, VOLUME, NULL, &bad, &a), KS_EINVAL, "max_degree");
    double negw[31];
    for (int i = 0; i < 31; i++) negw[i] = i == 7 ? -1 : 1;
    CHECK_FAILS(ctx, ks_mars_fit(ctx, 31, 2, X, 1, VOLUME, negw, NULL, &a), KS_EINVAL, "row 8");
    double yb2[31];
    for (int i = 0; i < 31; i++) yb2[i] = VOLUME[i];
    bad = (ks_mars_options)KS_MARS_OPTIONS_INIT;
    bad.family = KS_MARS_BINOMIAL;
    CHECK_FAILS(ctx, ks_mars_fit(ctx, 31, 2, X, 1, yb2, NULL, &bad, &a), KS_EINVAL, "binomial");
    free(FX);
    free(Fy);
    free(w);
    free(yb);
    free(pr);
    test_enum_names(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("mars");
}
