/* gwas_internal.h — the machinery of GenomicSEM's multivariate GWAS (userGWAS, commonfactorGWAS;
 * notes sec. 1.8) around the per-SNP fit: the SNP table read in batches (gwas_input.c), each
 * SNP's S_Full and V_Full assembled into preallocated buffers (gwas_assemble.c), the run over
 * SNP chunks in parallel (gwas_run.c) and the rows written as R's columns (gwas_output.c). The
 * per-SNP fit plugs in through ks__gwas_fit_ops; gwas_gls.c is one, in closed form.
 *
 * Proposed public API (include/kestrel/gsem.h, after docs/design.md's template), once the SEM
 * engine's fit plugs in:
 *
 *   typedef enum { KS_GSEM_GC_STANDARD, KS_GSEM_GC_CONSERV, KS_GSEM_GC_NONE } ks_gsem_gc;
 *       ("standard", "conserv", "none": KS__ENUM_FUNCS)
 *   typedef struct {
 *       const char *estimation;   // "DWLS" | "ML" (an enum with names)
 *       ks_gsem_gc gc;            // KS_GSEM_GC_STANDARD
 *       double snpse;             // 0: GenomicSEM's 0.0005
 *       int q_snp, fix_measurement, std_lv, smooth_check;
 *       const char *const *sub;   // "F1~SNP", ... NULL-terminated; NULL: every parameter
 *       size_t chunk_i, chunk_n;  // part i (1-based) of n contiguous parts; 0, 0: all
 *       int gzip;                 // -1 from the output name
 *   } ks_gsem_gwas_options;       // KS_GSEM_GWAS_OPTIONS_INIT
 *   typedef struct ks_gsem_gwas ks_gsem_gwas;   // counts: SNPs, failed, smoothed; the rows when
 *                                               // kept in memory (out_path NULL, for Python)
 *   int ks_gsem_usergwas_run(ks_ctx *, const ks_gsem_covstruc *, const char *snps_path |
 *                            const ks_gsem_sumstats *, const char *model,
 *                            const ks_gsem_gwas_options *, const char *out_path, ks_gsem_gwas **);
 *   int ks_gsem_commonfactorgwas_run(... the same without the model ...);
 *   void ks_gsem_gwas_get(const ks_gsem_gwas *, ks_gsem_gwas_view *);
 *   void ks_gsem_gwas_free(ks_gsem_gwas *);
 * with the covstruc the ldsc result (or its saved file) and the trait names. */
#ifndef KS_GSEM_GWAS_INTERNAL_H
#define KS_GSEM_GWAS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/base_internal.h"
#include "kestrel/gsem.h"
#include "kestrel/table.h"

/* The LDSC result a GWAS runs on (GenomicSEM's covstruc), borrowed: k traits named as the model
 * and the SNP table's beta.<name> / se.<name> columns name them; S and I k x k, V kstar x kstar
 * (kstar = k (k + 1) / 2, GenomicSEM's order: column-wise lower triangle), column-major. */
typedef struct {
    size_t k;
    const char *const *names;
    const double *S, *V, *I;
} ks__gwas_covstruc;

/* GenomicSEM's GC argument: how V_SNP takes the LDSC intercepts (notes sec. 1.8). */
typedef enum { KS__GWAS_GC_STANDARD, KS__GWAS_GC_CONSERV, KS__GWAS_GC_NONE } ks__gwas_gc;

/* Which function's columns the rows are written with. */
typedef enum { KS__GWAS_USER, KS__GWAS_COMMONFACTOR } ks__gwas_kind;

/* ---- Input (gwas_input.c) -------------------------------------------------------------------- */

/* The six columns GenomicSEM carries to its output, found by name. */
enum {
    KS__GWAS_SNP,
    KS__GWAS_CHR,
    KS__GWAS_BP,
    KS__GWAS_MAF,
    KS__GWAS_A1,
    KS__GWAS_A2,
    KS__GWAS_NTEXT
};

/* A source of SNP rows: the table sumstats writes (a file, plain or gzip, tab-separated: the
 * reference's columns, then beta.<trait> se.<trait>), or a ks_gsem_sumstats in memory. Rows are
 * taken a batch at a time; a batch's rows stay valid until the next batch is read. */
typedef struct ks__gwas_source ks__gwas_source;

/* Open `path`: its header must name SNP CHR BP MAF A1 A2 and beta.<name> se.<name> for each of
 * the covstruc's traits (matched exactly; a missing or repeated column is an error naming the
 * file and the column). Columns beta.X / se.X of no trait are ignored with a warning. */
int ks__gwas_source_open(ks_ctx *ctx, const char *path, const ks__gwas_covstruc *cs,
                         ks__gwas_source **out);
/* A sumstats result (borrowed; traits in the covstruc's order, as R matches them). */
int ks__gwas_source_sumstats(ks_ctx *ctx, const ks_gsem_sumstats *s, const ks__gwas_covstruc *cs,
                             ks__gwas_source **out);
void ks__gwas_source_free(ks__gwas_source *src); /* NULL is fine */
/* The number of SNP rows (a file: counted by a first pass over it, once). */
int ks__gwas_source_count(ks_ctx *ctx, ks__gwas_source *src, size_t *n);
/* The next up to `max` rows: *n of them (0 at the end); a file row whose width is not the
 * header's is an error naming the line. */
int ks__gwas_source_read(ks_ctx *ctx, ks__gwas_source *src, size_t max, size_t *n);
/* Row j of the last batch: its six text cells (blanks around them trimmed) and line (a file's
 * line, or the row number in memory), beta and se (k each) and MAF. A cell that is missing
 * ("", "NA") gives NaN; one that is not a number is KS_EPARSE naming file, line and column. */
typedef struct {
    const char *text[KS__GWAS_NTEXT];
    size_t line;
    double maf;
} ks__gwas_row;
int ks__gwas_source_row(ks_ctx *ctx, const ks__gwas_source *src, size_t j, ks__gwas_row *row,
                        double *beta, double *se);
/* Bytes read of the file and its size (for progress when the rows are not counted); 0, 0 for
 * memory. */
void ks__gwas_source_progress(const ks__gwas_source *src, uint64_t *done, uint64_t *total);

/* ---- Assembly (gwas_assemble.c) -------------------------------------------------------------- */

/* nearPD for a matrix that is not positive definite (R's Matrix::nearPD(corr = FALSE)), n x n
 * column-major replaced in place; the SEM integration sets it (src/gsem/smooth.c). */
typedef int (*ks__gwas_smooth_fn)(ks_ctx *ctx, size_t n, double *A);
/* That function (gwas_smooth.c), for ks__gwas_opts.smooth. */
int ks__gwas_near_pd(ks_ctx *ctx, size_t n, double *A);

/* What every SNP shares, computed once: the covstruc's S_LD and V_LD (smoothed first where
 * asked), I with its diagonal floored at 1, and what decides positive definiteness. */
typedef struct {
    ks_allocator alloc;
    size_t k, kf; /* traits; kf = (k + 1)(k + 2) / 2, the elements of vech(S_Full) */
    ks__gwas_gc gc;
    double snpse2;       /* the SNP variance's sampling variance, SNPSE^2 */
    double *S_LD, *V_LD; /* k x k, kstar x kstar */
    double *I;           /* k x k, diagonal floored at 1 */
    double *gcf;         /* k: the intercept's factor of se_x in V_SNP's diagonal (sqrt(I_xx),
                            I_xx or 1 by GC) */
    double *L_S;         /* k x k: Cholesky factor of S_LD (when s_pd) */
    int s_pd;            /* S_LD positive definite */
    int v_const_pd;      /* V_LD, SNPSE^2 and I with a unit diagonal all positive definite, so
                            V_Full is for every SNP with se > 0 and 0 < MAF < 1 (V_SNP = D M D,
                            D diagonal, M that unit-diagonal I: Sylvester's law of inertia) */
} ks__gwas_const;

/* Check the covstruc and compute the constants. presmooth: S_LD and V_LD go through smooth
 * first where not positive definite (userGWAS with fix_measurement), when smooth is set. */
int ks__gwas_const_init(ks_ctx *ctx, const ks__gwas_covstruc *cs, ks__gwas_gc gc, double snpse,
                        int presmooth, ks__gwas_smooth_fn smooth, ks__gwas_const *c);
void ks__gwas_const_free(ks__gwas_const *c);

/* One SNP as the fit sees it, in the assembly's buffers (GenomicSEM's .get_S_Full, .get_V_SNP,
 * .get_V_full): S_Full (k+1) x (k+1), SNP first: varSNP = 2 MAF (1 - MAF), varSNP beta_p in
 * the SNP's row and column, S_LD below; V_SNP k x k by GC, each element computed in R's order
 * of operations (so the two triangles may differ in the last bit, as in R); V_Full kf x kf,
 * block-diagonal: SNPSE^2, V_SNP, V_LD, in vech(S_Full)'s order (column-wise lower triangle:
 * (SNP,SNP), (t1,SNP), ..., (tk,SNP), then V_LD's). When not positive definite (the decision
 * R makes by the smallest eigenvalue, made here exactly: V_Full by the constants, S_Full by the
 * Schur complement 1 - varSNP beta' S_LD^-1 beta > 0) they are smoothed; V_SNP is not (R's
 * Q_SNP uses it as built). */
typedef struct {
    size_t k, kf;
    double var_snp;
    double *beta, *se; /* k: the SNP's values, as read */
    double *S_Full, *V_Full, *V_SNP;
    int smoothed;    /* KS__GWAS_S_SMOOTHED | KS__GWAS_V_SMOOTHED */
    double z_smooth; /* smooth_check: the largest change in a SNP-trait Z by smoothing (0: none) */
} ks__gwas_snp;
enum { KS__GWAS_S_SMOOTHED = 1, KS__GWAS_V_SMOOTHED = 2 };

/* Buffers for one thread (S_Full, V_Full, V_SNP, beta, se), their constant parts filled once. */
int ks__gwas_snp_new(ks_ctx *ctx, const ks__gwas_const *c, ks__gwas_snp *s);
void ks__gwas_snp_free(const ks_allocator *a, ks__gwas_snp *s);
/* Assemble the SNP of maf and s->beta, s->se. Returns 0, or 1 with `why` (size why_len) saying
 * why the SNP cannot be fitted (a missing value, MAF not in (0, 1), an SE not > 0, a matrix
 * that is not positive definite with no smooth function or whose smoothing failed), or
 * KS_ENOMEM from smooth. */
int ks__gwas_assemble(ks_ctx *ctx, const ks__gwas_const *c, ks__gwas_smooth_fn smooth, double maf,
                      ks__gwas_snp *s, char *why, size_t why_len);

/* ---- The per-SNP fit ------------------------------------------------------------------------- */

/* The rows a fit gives per SNP (GenomicSEM's parameter table rows, after `sub`), fixed by the
 * model: owned by the prepared model. */
typedef struct {
    size_t nrow;
    const char *const *lhs, *const *op, *const *rhs, *const *label;
    const int *free;
    const int *q_df; /* Q_SNP's df on the factor ~ SNP rows, -1 elsewhere (NULL: none) */
    double chisq_df; /* the model chi-square's df (userGWAS), NaN: none */
    double npar;     /* free parameters, for AIC = chisq + 2 npar */
} ks__gwas_layout;

/* One SNP's fit: est and se per layout row (NaN: none, e.g. a fixed parameter's SE), q_snp per
 * row (NaN where none), chisq the model chi-square (userGWAS) or Q (commonfactorGWAS), and
 * GenomicSEM's error and warning texts ("" when none), KS__GWAS_MSG bytes each. */
enum { KS__GWAS_MSG = 200 };
typedef struct {
    double *est, *se, *q_snp;
    double chisq;
    char error[KS__GWAS_MSG], warning[KS__GWAS_MSG];
} ks__gwas_result;

/* The seam where the per-SNP fit goes. prepare runs once (the model against the covstruc, its S
 * and V smoothed first where the run presmooths: the
 * no-SNP fit of fix_measurement, parameter table, lavaan's order, what is invariant over SNPs)
 * and fills the layout; each thread has a workspace (its scratch, warm starts); chunk_begin
 * (may be NULL) starts a chunk of consecutive SNPs, so that a warm start never crosses a chunk
 * and results do not depend on the threads; fit_snp fits one SNP: KS_OK (res filled, perhaps
 * with a warning), 1 when this SNP failed (res->error says why; the run goes on and flags its
 * rows), or a negative KS_E* that ends the run (out of memory). ns_per_snp: about how long a
 * fit takes, for the thread count. */
typedef struct {
    const char *name;
    double ns_per_snp;
    int (*prepare)(ks_ctx *ctx, const ks__gwas_covstruc *cs, const void *spec, void **model,
                   ks__gwas_layout *layout);
    void (*model_free)(const ks_allocator *a, void *model);
    int (*ws_new)(ks_ctx *ctx, const void *model, void **ws);
    void (*ws_free)(const ks_allocator *a, void *ws);
    void (*chunk_begin)(void *ws);
    int (*fit_snp)(ks_ctx *ctx, void *ws, const void *model, const ks__gwas_snp *snp,
                   ks__gwas_result *res);
} ks__gwas_fit_ops;

/* The closed-form fit (gwas_gls.c): the measurement model held at loadings Lambda (k x nf,
 * column-major; the no-SNP fit's), each SNP's factor effects b by the diagonal GLS of its
 * SNP-trait covariances s = S_Full[2.., 1] on varSNP Lambda with D = diag(V_SNP):
 * b = (X' D^-1 X)^-1 X' D^-1 s, X = varSNP Lambda, and the sandwich
 * Var(b) = A^-1 X' D^-1 V_SNP D^-1 X A^-1 (A = X' D^-1 X); Q_SNP per factor over its indicators
 * (Lambda != 0): eta' V_SNP[ind, ind]^-1 eta with eta = (s - X b)[ind], df = #ind - 1. No model
 * chi-square (the LD block is not refitted). Rows "F ~ SNP" per factor; commonfactor: the one
 * factor's row with its Q_SNP as commonfactorGWAS's Q. */
typedef struct {
    size_t nf;
    const double *lambda;
    const char *const *factor; /* nf names */
    int commonfactor;
} ks__gwas_gls_spec;
extern const ks__gwas_fit_ops ks__gwas_gls_ops;

/* The SEM fits (gwas_sem.c): userGWAS and commonfactorGWAS as GenomicSEM computes them (the
 * specification: GenomicSEM's userGWAS.R / userGWAS_main.R / commonfactorGWAS*.R; every lavaan
 * fit by the SEM engine, src/sem/engine.h). spec is a ks__gwas_sem_spec. */
typedef struct {
    const char *model; /* userGWAS: the lavaan model, naming the SNP `SNP`; NULL: commonfactorGWAS */
    int ml;            /* estimation = "ML" (else DWLS) */
    int std_lv, fix_measurement, q_snp;
    const char *const *sub; /* "F1~SNP", ... (blanks ignored), NULL-terminated; NULL: every row */
    double toler;           /* GenomicSEM's toler (0: .Machine$double.eps) */
} ks__gwas_sem_spec;
extern const ks__gwas_fit_ops ks__gwas_user_ops, ks__gwas_commonfactor_ops;

/* ---- Output (gwas_output.c) ------------------------------------------------------------------ */

/* What the rows carry besides the fit's values. */
typedef struct {
    ks__gwas_kind kind;
    int q_snp;        /* userGWAS: Q_SNP Q_SNP_df Q_SNP_pval */
    int smooth_check; /* Z_smooth */
    size_t k;         /* traits (commonfactorGWAS's Q_df = k - 1) */
} ks__gwas_columns;

/* Text being built, grown with ks__grow. */
typedef struct {
    char *p;
    size_t len, cap;
} ks__gwas_text;

/* The header line. */
int ks__gwas_header(ks_ctx *ctx, ks__gwas_columns cols, ks__gwas_text *t);
/* One SNP's rows appended to t: index its 1-based row number in the whole SNP list
 * (commonfactorGWAS's i); failed: the layout's rows with NA values and res->error (userGWAS), or
 * commonfactorGWAS's row with NA values and the message as `fail`. Returns KS_OK, KS_ENOMEM or
 * KS_EOVERFLOW. */
int ks__gwas_format(ks_ctx *ctx, ks__gwas_columns cols, const ks__gwas_layout *L,
                    const ks__gwas_row *row, size_t index, const ks__gwas_result *res, int failed,
                    double z_smooth, ks__gwas_text *t);

/* The numbers of one output row as R's columns (NaN for NA): userGWAS's est SE Z_Estimate
 * Pval_Estimate chisq chisq_df chisq_pval AIC [Q_SNP Q_SNP_df Q_SNP_pval], commonfactorGWAS's
 * est se_c Z_Estimate Pval_Estimate Q Q_df Q_pval (in chisq, chisq_df, chisq_pval), from layout
 * row r's est, se, q_snp and the SNP's chisq. */
typedef struct {
    double est, se, z, p, chisq, chisq_df, chisq_pval, aic, q, q_df, q_pval;
} ks__gwas_values;
void ks__gwas_values_of(ks__gwas_columns cols, const ks__gwas_layout *L, size_t r, int failed,
                        double est, double se, double q_snp, double chisq, ks__gwas_values *v);

/* One SNP packed into t for the rows kept in memory (ks__gwas_opts.keep): a ks__gwas_packed,
 * then the five text cells SNP CHR BP A1 A2, error and warning, each NUL-terminated, then est,
 * se and q_snp of each layout row (3 nrow doubles), copied byte for byte (no alignment). */
typedef struct {
    size_t index;
    int failed;
    double maf, z_smooth, chisq;
} ks__gwas_packed;
int ks__gwas_pack(ks_ctx *ctx, const ks__gwas_layout *L, const ks__gwas_row *row, size_t index,
                  const ks__gwas_result *res, int failed, double z_smooth, ks__gwas_text *t);

/* ---- The run (gwas_run.c) -------------------------------------------------------------------- */

typedef struct {
    ks__gwas_kind kind;
    ks__gwas_gc gc;
    double snpse; /* GenomicSEM's SNPSE: the SNP variance's SE (default 0.0005) */
    int q_snp, smooth_check;
    int presmooth;             /* userGWAS with fix_measurement: S_LD, V_LD smoothed once first */
    ks__gwas_smooth_fn smooth; /* NULL: a SNP whose S_Full or V_Full is not PD fails */
    size_t chunk_i, chunk_n;   /* this job's part i (1..n) of n; n 0 or 1: every SNP */
    int gzip;                  /* -1: from the name (".gz": fast gzip) */
    /* NULL: the rows are written to out_path. Else the rows are kept in memory instead (out_path
     * NULL): each batch's SNPs, packed (ks__gwas_pack) in order, are handed to keep with the
     * layout (the same every time) */
    int (*keep)(ks_ctx *ctx, void *ud, const ks__gwas_layout *L, const char *packed, size_t len);
    void *keep_ud;
} ks__gwas_opts;
#define KS__GWAS_OPTS_INIT                                                                         \
    {                                                                                              \
        KS__GWAS_USER, KS__GWAS_GC_STANDARD, 0.0005, 0, 0, 0, NULL, 0, 0, -1, NULL, NULL           \
    }

typedef struct {
    size_t snps;     /* rows written for (this part's SNPs) */
    size_t first;    /* this part's first SNP, 0-based in the whole list */
    size_t failed;   /* SNPs flagged */
    size_t smoothed; /* SNPs whose S_Full or V_Full was smoothed */
} ks__gwas_stats;

/* Consecutive SNPs a task fits (chunk boundaries, and --chunk's parts, fall on its multiples in
 * the whole SNP list, so that no result depends on the threads or the split). */
enum { KS__GWAS_TASK = 256, KS__GWAS_BATCH_TASKS = 64 };

/* Fit every SNP of src (this part's) with `fit` and write the rows to out_path, whole or not at
 * all (written into group g when g is not NULL, which the caller commits), or hand them to
 * o->keep. Progress goes to the
 * ctx's progress callback as SNPs done of the part's (or bytes read when the file's rows were
 * not counted). */
int ks__gwas_run(ks_ctx *ctx, const ks__gwas_covstruc *cs, ks__gwas_source *src,
                 const ks__gwas_fit_ops *fit, const void *spec, const ks__gwas_opts *o,
                 ks_text_group *g, const char *out_path, ks__gwas_stats *stats);

#endif
