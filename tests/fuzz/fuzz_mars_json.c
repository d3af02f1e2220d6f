/* fuzz_mars_json.c — the MARS model JSON reader (kestrel mars predict --model, Earth.from_json):
 * what it accepts is written back and read again (the same text both times) and predicts on a
 * few cases. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    ks_ctx *ctx = fuzz_ctx();
    ks_mars *m = NULL, *back = NULL;
    char *json = NULL, *again = NULL;
    if (fuzz_outcome(ctx, "mars JSON", ks_mars_from_json(ctx, text, &m)) == KS_OK) {
        if (ks_mars_to_json(ctx, m, &json) || ks_mars_from_json(ctx, json, &back) ||
            ks_mars_to_json(ctx, back, &again) || strcmp(json, again))
            abort(); /* what was read must write and read back the same */
        ks_mars_view v;
        ks_mars_get(m, &v);
        if (v.p <= 64) {
            double X[3 * 64], P[3 * 64 * 4];
            for (size_t i = 0; i < 3 * v.p; i++) X[i] = (double)i / 7 - 1;
            int rc = KS_OK; /* (either may fail: NaN cuts, ...) */
            rc |= ks_mars_predict(ctx, m, 3, X, P, sizeof P / sizeof *P);
            rc |= ks_mars_basis(ctx, m, 3, X, P, sizeof P / sizeof *P);
            (void)rc;
        }
    }
    ks_string_free(json);
    ks_string_free(again);
    ks_mars_free(m);
    ks_mars_free(back);
    ks_ctx_free(ctx);
    free(text);
    return 0;
}
