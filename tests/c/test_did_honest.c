/* test_did_honest.c — HonestDiD: the dense LP solver on problems with known optima and duals;
 * R's generator (set.seed(0); rnorm); the intervals on R HonestDiD's own example (BCdata, 4 pre
 * and 4 post periods) against R HonestDiD 0.2.8 (tests/data/did/honest_reference.json, see
 * PROVENANCE.md); identical results for 1 and 2 threads; bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/honest_internal.h"
#include "kestrel/kestrel.h"
#include "ktest.h"

static const double BC_B[8] = {0.0066963518038392067, 0.029345033690333366, -0.0064729722216725349,
                               0.073014989495277405,  0.1959611177444458,   0.31206390261650085,
                               0.23954154551029205,   0.12604250013828278};
static const double BC_S[64] = {
    0.00084283581236377358, 0.00047686867765150964,  0.00026180510758422315,
    0.00023542203416582197, 0.00016763714666012675,  0.00011287076631560922,
    1.9928162146243267e-05, -0.00013682653661817312, 0.00047686867765150964,
    0.00064254202879965305, 0.00039874250069260597,  0.00024355151981581002,
    0.00022019603056833148, 0.00018045911565423012,  3.8437650800915435e-05,
    -2.960421988973394e-05, 0.00026180510758422315,  0.00039874250069260597,
    0.00052299496019259095, 0.00021176860900595784,  0.00018407222523819655,
    0.00014585278404410928, 7.0051974034868181e-05,  5.9529949794523418e-05,
    0.00023542203416582197, 0.00024355151981581002,  0.00021176860900595784,
    0.00030895954114384949, 0.00011978660768363625,  0.00013340813165996224,
    0.00010163350088987499, 0.00010790517262648791,  0.00016763714666012675,
    0.00022019603056833148, 0.00018407222523819655,  0.00011978660768363625,
    0.00035997043596580625, 0.0002478818641975522,   0.00017495792417321354,
    0.00016542569210287184, 0.00011287076631560922,  0.00018045911565423012,
    0.00014585278404410928, 0.00013340813165996224,  0.0002478818641975522,
    0.00042639498133212328, 0.00021714378090109676,  0.00028927478706464171,
    1.9928162146243267e-05, 3.8437650800915435e-05,  7.0051974034868181e-05,
    0.00010163350088987499, 0.00017495792417321354,  0.00021714378090109676,
    0.00048866978613659739, 0.00038053220487199724,  -0.00013682653661817312,
    -2.960421988973394e-05, 5.9529949794523418e-05,  0.00010790517262648791,
    0.00016542569210287184, 0.00028927478706464171,  0.00038053220487199724,
    0.00076173944398760796};

/* LPs with optima worked out by hand */
static void test_lp(void)
{
    double work[4096], x[8], obj, lam[8];
    /* min -x - y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0: optimum (8/5, 6/5), -14/5, duals
     * (2/5, 1/5) */
    const double c1[2] = {-1, -1}, A1[4] = {1, 2, 3, 1}, b1[2] = {4, 6};
    const unsigned char nn[2] = {1, 1};
    CHECK(ks__lp_solve(2, 2, 0, c1, A1, b1, NULL, NULL, nn, x, &obj, lam, work) == KS__LP_OPTIMAL);
    CHECK_NEAR(x[0], 1.6, 1e-14);
    CHECK_NEAR(x[1], 1.2, 1e-14);
    CHECK_NEAR(obj, -2.8, 1e-14);
    CHECK_NEAR(lam[0], 0.4, 1e-14);
    CHECK_NEAR(lam[1], 0.2, 1e-14);
    /* free variables: min t s.t. |x_i - a_i| <= t for a = (1, 5, 2): x = 3, t = 2 (the
     * Chebyshev centre); rows -t + x <= a, -t - x <= -a */
    const double a[3] = {1, 5, 2};
    double A2[12], b2[6];
    for (int i = 0; i < 3; i++) {
        A2[i * 2] = -1, A2[i * 2 + 1] = 1, b2[i] = a[i];
        A2[(i + 3) * 2] = -1, A2[(i + 3) * 2 + 1] = -1, b2[i + 3] = -a[i];
    }
    const double c2[2] = {1, 0};
    CHECK(ks__lp_solve(2, 6, 0, c2, A2, b2, NULL, NULL, NULL, x, &obj, lam, work) ==
          KS__LP_OPTIMAL);
    CHECK_NEAR(obj, 2.0, 1e-14);
    CHECK_NEAR(x[1], 3.0, 1e-14);
    double s = 0;
    for (int i = 0; i < 6; i++) s += lam[i];
    CHECK_NEAR(s, 1.0, 1e-14); /* c + A' lambda = 0: the duals of t sum to 1 */
    /* equality and negative right-hand sides (phase I): min x + y s.t. x + y = 2, x - y <= -1,
     * x, y >= 0: value 2 */
    const double c3[2] = {1, 1}, A3[2] = {1, -1}, b3[1] = {-1}, E3[2] = {1, 1}, e3[1] = {2};
    CHECK(ks__lp_solve(2, 1, 1, c3, A3, b3, E3, e3, nn, x, &obj, lam, work) == KS__LP_OPTIMAL);
    CHECK_NEAR(obj, 2.0, 1e-14);
    CHECK(x[0] - x[1] <= -1 + 1e-14);
    /* infeasible: x <= -1 with x >= 0; unbounded: min -x with x >= 0 */
    const double c4[1] = {1}, A4[1] = {1}, b4[1] = {-1}, m1[1] = {-1};
    CHECK(ks__lp_solve(1, 1, 0, c4, A4, b4, NULL, NULL, nn, x, &obj, NULL, work) ==
          KS__LP_INFEASIBLE);
    CHECK(ks__lp_solve(1, 0, 0, m1, NULL, NULL, NULL, NULL, nn, x, &obj, NULL, work) ==
          KS__LP_UNBOUNDED);
}

/* the warm-started dual form max y'x s.t. W'x = e1, x >= 0 over several y: the Chebyshev
 * centre's value (half the range of a) by strong duality with the primal min t s.t.
 * |a_i - x| <= t (rows y = (a, -a), W = [1, 1] then [1, -1]); W' rank deficient is refused */
static void test_lp_warm(void)
{
    double work[256], W[12], y[6], val;
    for (int i = 0; i < 3; i++)
        W[i * 2] = W[(i + 3) * 2] = 1, W[i * 2 + 1] = 1, W[(i + 3) * 2 + 1] = -1;
    ks__lp_warm w;
    CHECK(ks__lp_warm_doubles(6, 2) <= 256);
    CHECK(ks__lp_warm_init(&w, 6, 2, W, work) == 0);
    static const double a[4][3] = {{1, 5, 2}, {0, 10, 4}, {3, 3, 3}, {-7, 2, -1}};
    static const double half_range[4] = {2, 5, 0, 4.5};
    for (int t = 0; t < 4; t++) {
        for (int i = 0; i < 3; i++) y[i] = a[t][i], y[i + 3] = -a[t][i];
        CHECK(ks__lp_warm_max(&w, y, &val) == 0);
        CHECK_NEAR(val, half_range[t], 1e-14);
    }
    for (int i = 0; i < 6; i++) W[i * 2 + 1] = 0;
    CHECK(ks__lp_warm_init(&w, 6, 2, W, work) != 0);
}

/* R 4.2.2: set.seed(0); sprintf("%.17g", rnorm(3)) */
static void test_rng(void)
{
    ks__rrng g;
    ks__rrng_seed(&g, 0);
    CHECK(ks__rrng_norm(&g) == 1.2629542848807933);
    CHECK(ks__rrng_norm(&g) == -0.3262333607056494);
    CHECK(ks__rrng_norm(&g) == 1.3297992629225006);
}

static void test_quantiles(void)
{
    /* |N(0,1)|: the two-sided normal quantile; R: qnorm(0.975) */
    CHECK_NEAR(ks__qfoldnorm(0.05, 0.0), 1.959963984540054, 1e-14);
    /* truncated to [0, inf): qnorm(0.5 + 0.5 * 0.95) */
    CHECK_NEAR(ks__qtruncnorm(0.95, 0.0, INFINITY), 1.959963984540054, 1e-13);
    CHECK_NEAR(ks__qtruncnorm(0.5, -INFINITY, INFINITY), 0.0, 1e-15);
}

static void rm_sets(ks_ctx *ctx, ks_honest_ci method, double *lb, double *ub)
{
    const double mbar[3] = {0, 1, 2};
    ks_did_honest_args a = {.delta = KS_HONEST_RM,
                            .method = method,
                            .num_pre = 4,
                            .num_post = 4,
                            .betahat = BC_B,
                            .sigma = BC_S,
                            .alpha = 0.05,
                            .grid_lb = NAN,
                            .grid_ub = NAN};
    CHECK_OK(ctx, ks_did_honest(ctx, &a, mbar, 3, lb, ub));
}

/* the grid is split over threads; the sets must not move */
static void test_threads(ks_ctx *ctx)
{
    double lb1[3], ub1[3], lb2[3], ub2[3];
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    rm_sets(ctx, KS_HONEST_C_LF, lb1, ub1);
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 2));
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0));
    rm_sets(ctx, KS_HONEST_C_LF, lb2, ub2);
    for (int i = 0; i < 3; i++) CHECK(lb1[i] == lb2[i] && ub1[i] == ub2[i]);
    /* R: createSensitivityResults_relativeMagnitudes(method = "C-LF", Mbarvec = c(0, 1, 2))
     * (honest_reference.json: rm_CLF_first): the same grid points */
    static const double rlb[3] = {0.15915194386676229, 0.06723125075039843, -0.042161970809571847};
    static const double rub[3] = {0.23284043338979782, 0.31868372530838568, 0.3794577372861469};
    for (int i = 0; i < 3; i++) CHECK(lb1[i] == rlb[i] && ub1[i] == rub[i]);
    /* the interval widens with Mbar and holds the estimate at Mbar = 0 */
    CHECK(lb1[0] <= BC_B[4] && BC_B[4] <= ub1[0]);
    CHECK(lb1[2] <= lb1[0] && ub1[2] >= ub1[0]);
}

static void test_bad_input(ks_ctx *ctx)
{
    double lb, ub, m = 1;
    ks_did_honest_args a = {.delta = KS_HONEST_RM,
                            .method = KS_HONEST_FLCI,
                            .num_pre = 4,
                            .num_post = 4,
                            .betahat = BC_B,
                            .sigma = BC_S,
                            .grid_lb = NAN,
                            .grid_ub = NAN};
    CHECK(ks_did_honest(ctx, &a, &m, 1, &lb, &ub) == KS_EINVAL);
    a.method = KS_HONEST_C_LF;
    m = -1;
    CHECK(ks_did_honest(ctx, &a, &m, 1, &lb, &ub) == KS_EINVAL);
    a.num_pre = 0;
    m = 1;
    CHECK(ks_did_honest(ctx, &a, &m, 1, &lb, &ub) == KS_EINVAL);
}

/* R: constructOriginalCS and .compute_IDset_DeltaSD / .compute_IDset_DeltaRM on BCdata
 * (honest_reference.json: original_*, idset_*; Rglpk's LPs, exact vertices: to 1e-12) */
static void test_original_idset(ks_ctx *ctx)
{
    static const double avg[4] = {0.25, 0.25, 0.25, 0.25};
    static const double orig[2][2] = {{0.15877494280765034, 0.23314729268124126},
                                      {0.18379902341689186, 0.25300550958786888}};
    static const double msd[5] = {0, 0.05, 0.2, 0.3, 0.5}, mrm[3] = {0, 1, 2};
    static const double sd[2][10] = {
        {0.1959611177444458, 0.1959611177444458, 0.068976107239723194, -0.031023892760276783,
         -0.23102389276027679, 0.1959611177444458, 0.1959611177444458, 0.46897610723972322,
         0.56897610723972325, 0.76897610723972321},
        {0.21840226650238037, 0.21840226650238037, -0.59906025975942612, -1.0990602597594261,
         -2.0990602597594261, 0.21840226650238037, 0.21840226650238037, 1.4009397402405741,
         1.9009397402405741, 2.9009397402405739}};
    static const double rm[2][6] = {{0.1959611177444458, 0.11647315602749586, 0.036985194310545921,
                                     0.1959611177444458, 0.27544907946139574, 0.35493704117834568},
                                    {0.21840226650238037, 0.019682362210005522,
                                     -0.17903754208236933, 0.21840226650238037, 0.41712217079475522,
                                     0.61584207508713007}};
    for (int li = 0; li < 2; li++) {
        ks_did_honest_args a = {.delta = KS_HONEST_SD,
                                .num_pre = 4,
                                .num_post = 4,
                                .betahat = BC_B,
                                .sigma = BC_S,
                                .l_vec = li ? avg : NULL,
                                .grid_lb = NAN,
                                .grid_ub = NAN};
        double lb[5], ub[5];
        CHECK_OK(ctx, ks_did_honest_original(ctx, &a, lb, ub));
        CHECK_NEAR(lb[0], orig[li][0], 1e-14);
        CHECK_NEAR(ub[0], orig[li][1], 1e-14);
        CHECK_OK(ctx, ks_did_honest_idset(ctx, &a, msd, 5, lb, ub));
        for (int i = 0; i < 5; i++) {
            CHECK_NEAR(lb[i], sd[li][i], 1e-12);
            CHECK_NEAR(ub[i], sd[li][5 + i], 1e-12);
        }
        a.delta = KS_HONEST_RM;
        CHECK_OK(ctx, ks_did_honest_idset(ctx, &a, mrm, 3, lb, ub));
        for (int i = 0; i < 3; i++) {
            CHECK_NEAR(lb[i], rm[li][i], 1e-12);
            CHECK_NEAR(ub[i], rm[li][3 + i], 1e-12);
        }
    }
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_lp();
    test_rng();
    test_quantiles();
    test_original_idset(ctx);
    test_lp_warm();
    test_threads(ctx);
    test_bad_input(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("did_honest");
}
