/* fuzz_formula.c — the formula parser (what kestrel.feols and `kestrel feols --formula` read),
 * and a fit of what it accepts on a small table, so that the parsed terms meet the columns. */
#include "fuzz_util.h"

static ks_table *table(ks_ctx *ctx)
{
    static const double y[8] = {1, 2, 3, 5, 4, 6, 8, 7}, x[8] = {2, 1, 4, 3, 6, 5, 8, 9},
                        z[8] = {0, 1, 0, 1, 1, 0, 1, 0};
    static const int64_t g[8] = {1, 1, 2, 2, 3, 3, 4, 4};
    static const char *const s[8] = {"a", "b", "a", "b", "a", "b", "a", "b"};
    ks_table *t = NULL;
    if (ks_table_new(ctx, 8, &t) || ks_table_add_float64(ctx, t, "y", y) ||
        ks_table_add_float64(ctx, t, "x", x) || ks_table_add_float64(ctx, t, "z.1", z) ||
        ks_table_add_int64(ctx, t, "g", g) || ks_table_add_string(ctx, t, "s_f", s, NULL))
        abort();
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    ks_ctx *ctx = fuzz_ctx();
    if (fuzz_outcome(ctx, "formula", ks_formula_check(ctx, text)) == KS_OK) {
        ks_table *t = table(ctx);
        ks_feols *m = NULL;
        ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
        if (fuzz_outcome(ctx, "feols", ks_feols_fit(ctx, t, text, &o, &m)) == KS_OK) {
            ks_feols_view v;
            ks_feols_get(m, &v);
            for (size_t j = 0; j < v.ncoef; j++) (void)strlen(v.names[j]);
        }
        ks_feols_free(m);
        ks_table_free(t);
    } else if (ks_errcode(ctx) != KS_EPARSE && ks_errcode(ctx) != KS_EINVAL) {
        abort(); /* a syntax error is KS_EPARSE */
    }
    ks_ctx_free(ctx);
    free(text);
    return 0;
}
