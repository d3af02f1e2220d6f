/* columns.c — which file column is which, as GenomicSEM's .get_renamed_colnames decides for
 * munge() and sumstats(): the header names as R's read.table makes them (make.names) and
 * upper-cased; for each column in turn a caller's name, then the canonical name, then the first
 * of its synonyms in the file (the Z synonyms standing for a missing effect where allowed). */
#include <ctype.h>
#include <string.h>

#include "gsem_internal.h"

const char *const ks__gsem_col_name[GC_NCOL] = {"SNP", "A1", "A2",  "effect", "INFO",
                                            "P",   "N",  "MAF", "SE",     "DIRECTION"};

static const char *const SYN_SNP[] = {"SNP", "SNPID", "RSID", "RS_NUMBER", "RS_NUMBERS",
                                      "MARKERNAME", "ID", "PREDICTOR", "SNP_ID", "VARIANTID",
                                      "VARIANT_ID", "RSIDS", "RS_ID", NULL};
static const char *const SYN_A1[] = {"A1", "ALLELE1", "EFFECT_ALLELE", "INC_ALLELE",
                                     "REFERENCE_ALLELE", "EA", "REF", NULL};
static const char *const SYN_A2[] = {"A2", "ALLELE2", "ALLELE0", "OTHER_ALLELE",
                                     "NON_EFFECT_ALLELE", "DEC_ALLELE", "OA", "NEA", "ALT", "A0",
                                     NULL};
static const char *const SYN_EFFECT[] = {"OR", "B", "BETA", "LOG_ODDS", "EFFECTS", "EFFECT",
                                         "SIGNED_SUMSTAT", "EST", "BETA1", "LOGOR", NULL};
static const char *const SYN_INFO[] = {"INFO", "IMPINFO", NULL};
static const char *const SYN_P[] = {"P", "PVALUE", "PVAL", "P_VALUE", "P-VALUE", "P.VALUE",
                                    "P_VAL", "GC_PVALUE", "WALD_P", NULL};
static const char *const SYN_N[] = {"N", "WEIGHT", "NCOMPLETESAMPLES", "TOTALSAMPLESIZE",
                                    "TOTALN", "TOTAL_N", "N_COMPLETE_SAMPLES", "SAMPLESIZE",
                                    "NEFF", "N_EFF", "N_EFFECTIVE", "SUMNEFF", NULL};
static const char *const SYN_MAF[] = {"MAF", "CEUAF", "FREQ1", "EAF", "FREQ1.HAPMAP",
                                      "FREQALLELE1HAPMAPCEU", "FREQ.ALLELE1.HAPMAPCEU",
                                      "EFFECT_ALLELE_FREQ", "FREQ.A1", "A1FREQ", "ALLELEFREQ",
                                      "EFFECT_ALLELE_FREQUENCY", NULL};
static const char *const SYN_SE[] = {"STDERR", "SE", "STDERRLOGOR", "SEBETA", "STANDARDERROR",
                                     "STANDARD_ERROR", NULL};
static const char *const SYN_DIRECTION[] = {"DIRECTION", "DIREC", "DIRE", "SIGN", NULL};
static const char *const SYN_Z[] = {"Z", "ZSCORE", "Z-SCORE", "ZSTATISTIC", "ZSTAT",
                                    "Z-STATISTIC", NULL};
static const char *const *const SYN[GC_NCOL] = {SYN_SNP, SYN_A1, SYN_A2,  SYN_EFFECT, SYN_INFO,
                                                SYN_P,   SYN_N,  SYN_MAF, SYN_SE, SYN_DIRECTION};

enum { NAME_CAP = 64 };

/* R's make.names, upper-cased: characters other than letters, digits, '.' and '_' become '.',
 * and an "X" goes first when the name does not start with a letter or a '.' that no digit
 * follows. (Both spellings are tried for a caller's name: R matches neither reliably.) */
static void r_name(const char *s, char *d, int make_names)
{
    size_t i = 0, j = 0;
    const unsigned char c0 = (unsigned char)s[0];
    if (make_names && !(isalpha(c0) || (c0 == '.' && !isdigit((unsigned char)s[1]))))
        d[j++] = 'X';
    for (; s[i] && j + 1 < NAME_CAP; i++) {
        const unsigned char c = (unsigned char)s[i];
        d[j++] = make_names && !(isalnum(c) || c == '.' || c == '_') ? '.' : (char)toupper(c);
    }
    d[j] = '\0';
}

static int in_list(const char *u, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(u, *list)) return 1;
    return 0;
}

static const char *given_name(const ks__gsem_colspec *s, int k)
{
    const char *g = NULL;
    const size_t l = strlen(ks__gsem_col_name[k]);
    for (const char *const *c = s->given; c && *c; c++)
        if (!strncmp(*c, ks__gsem_col_name[k], l) && (*c)[l] == '=') g = *c + l + 1;
    return g;
}

int ks__gsem_map_columns(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                     const ks__gsem_colspec *s, int col[GC_NCOL], double *n_factor)
{
    char(*up)[NAME_CAP] = ks__malloc_array(ctx, nf ? 2 * nf : 1, sizeof *up);
    if (!up) return KS_ENOMEM;
    for (size_t j = 0; j < nf; j++) {
        r_name(f[j], up[j], 1);
        r_name(f[j], up[nf + j], 0);
    }
    *n_factor = 1.0;
    int rc = KS_OK;
    for (int k = 0; k < GC_NCOL; k++) {
        col[k] = -1;
        if (k >= s->ncol || (k == GC_N && s->skip_n)) continue;
        const char *given = given_name(s, k);
        if (given) {
            char g[NAME_CAP];
            r_name(given, g, 0);
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (!strcmp(up[nf + j], g) || !strcmp(up[j], g)) col[k] = (int)j;
            if (col[k] < 0) {
                rc = ks__fail(ctx, KS_EINVAL, "%s: no column '%s' (given for %s)", path, given,
                             ks__gsem_col_name[k]);
                break;
            }
            continue;
        }
        for (size_t j = 0; j < nf && col[k] < 0 && k != GC_EFFECT; j++) /* (R: "effect" never) */
            if (!strcmp(up[j], ks__gsem_col_name[k])) col[k] = (int)j;
        for (size_t j = 0; j < nf && col[k] < 0; j++)
            if (in_list(up[j], SYN[k])) col[k] = (int)j;
        if (k == GC_N && s->neff_half)
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (!strcmp(up[j], "NEFFDIV2") || !strcmp(up[j], "NEFF_HALF")) {
                    col[k] = (int)j;
                    *n_factor = 2.0;
                }
        const char *const *syn = SYN[k];
        if (k == GC_EFFECT && s->z_as_effect && col[k] < 0) {
            syn = SYN_Z;
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (in_list(up[j], SYN_Z)) col[k] = (int)j;
        }
        /* a second column of the same list: R reads the first (PLINK 2's REF before its A1,
         * say) without a word */
        for (size_t j = 0; col[k] >= 0 && j < nf && !rc; j++) {
            const int half = k == GC_N && s->neff_half &&
                             (!strcmp(up[j], "NEFFDIV2") || !strcmp(up[j], "NEFF_HALF"));
            if ((int)j != col[k] && (in_list(up[j], syn) || half)) {
                const size_t c = (size_t)col[k], a = c < j ? c : j, b = c < j ? j : c;
                rc = ks__fail(ctx, KS_EPARSE,
                             "%s:1: columns %zu ('%s') and %zu ('%s') can both be the %s column; "
                             "name the one to use (e.g. columns \"%s=%s\")",
                             path, a + 1, f[a], b + 1, f[b], ks__gsem_col_name[k], ks__gsem_col_name[k],
                             f[b]);
            }
        }
        if (rc) break;
    }
    ks__free(ctx, up);
    if (rc) return rc;
    static const char *const what[GC_NCOL] = {
        "SNP (rs-id)",       "A1 (effect allele)", "A2 (other allele)", "effect (beta, OR or Z)",
        "INFO",              "P (P-value)",        "N (sample size)",   "MAF",
        "SE (standard error)", "DIRECTION"};
    for (int k = 0; k < GC_NCOL; k++)
        if (col[k] < 0 && (s->required >> k & 1u) && !(k == GC_N && s->skip_n))
            return ks__fail(ctx, KS_EPARSE,
                           "%s:1: no %s column%s (name it with columns, e.g. \"%s=MyName\")",
                           path, what[k], k == GC_N ? " and no N given" : "",
                           ks__gsem_col_name[k]);
    return KS_OK;
}

int ks__gsem_columns_used(ks_ctx *ctx, char *const *f, const ks__gsem_colspec *s, const int *col,
                          const char **used)
{
    for (int k = 0; k < s->ncol; k++)
        if (col[k] >= 0 && !(used[k] = ks__strdup(ctx, f[col[k]]))) return KS_ENOMEM;
    return KS_OK;
}
