/* columns.c — which file column is which, by one mechanism with a table and a name rule per
 * upstream: a header name is rewritten by the upstream's rule and looked up in its synonym
 * table (name -> role). GenomicSEM's (.get_renamed_colnames, for munge() and sumstats()): the
 * names as R's read.table makes them (make.names), upper-cased; for each column in turn a
 * caller's name, then the canonical name, then the first of its synonyms in the file (the Z
 * synonyms standing for a missing effect where allowed). munge_sumstats.py's: clean_header's
 * names, looked up by the rules in munge_sumstats.c (its name -> role dict). */
#include <ctype.h>
#include <string.h>

#include "gsem_internal.h"

const char *const ks__gsem_col_name[GC_NCOL] = {"SNP", "A1", "A2",  "effect", "INFO",
                                            "P",   "N",  "MAF", "SE",     "DIRECTION"};

/* GenomicSEM's synonyms, each role's in its order (two more roles: the Z names, which stand
 * for the effect where allowed, and NEFFDIV2 / NEFF_HALF, N halved). */
enum { GC_Z = GC_NCOL, GC_NEFF_HALF };
/* clang-format off */
static const ks__gsem_synonym SYN_GENOMICSEM[] = {
    {"SNP", GC_SNP}, {"SNPID", GC_SNP}, {"RSID", GC_SNP}, {"RS_NUMBER", GC_SNP},
    {"RS_NUMBERS", GC_SNP}, {"MARKERNAME", GC_SNP}, {"ID", GC_SNP}, {"PREDICTOR", GC_SNP},
    {"SNP_ID", GC_SNP}, {"VARIANTID", GC_SNP}, {"VARIANT_ID", GC_SNP}, {"RSIDS", GC_SNP},
    {"RS_ID", GC_SNP},
    {"A1", GC_A1}, {"ALLELE1", GC_A1}, {"EFFECT_ALLELE", GC_A1}, {"INC_ALLELE", GC_A1},
    {"REFERENCE_ALLELE", GC_A1}, {"EA", GC_A1}, {"REF", GC_A1},
    {"A2", GC_A2}, {"ALLELE2", GC_A2}, {"ALLELE0", GC_A2}, {"OTHER_ALLELE", GC_A2},
    {"NON_EFFECT_ALLELE", GC_A2}, {"DEC_ALLELE", GC_A2}, {"OA", GC_A2}, {"NEA", GC_A2},
    {"ALT", GC_A2}, {"A0", GC_A2},
    {"OR", GC_EFFECT}, {"B", GC_EFFECT}, {"BETA", GC_EFFECT}, {"LOG_ODDS", GC_EFFECT},
    {"EFFECTS", GC_EFFECT}, {"EFFECT", GC_EFFECT}, {"SIGNED_SUMSTAT", GC_EFFECT},
    {"EST", GC_EFFECT}, {"BETA1", GC_EFFECT}, {"LOGOR", GC_EFFECT},
    {"INFO", GC_INFO}, {"IMPINFO", GC_INFO},
    {"P", GC_P}, {"PVALUE", GC_P}, {"PVAL", GC_P}, {"P_VALUE", GC_P}, {"P-VALUE", GC_P},
    {"P.VALUE", GC_P}, {"P_VAL", GC_P}, {"GC_PVALUE", GC_P}, {"WALD_P", GC_P},
    {"N", GC_N}, {"WEIGHT", GC_N}, {"NCOMPLETESAMPLES", GC_N}, {"TOTALSAMPLESIZE", GC_N},
    {"TOTALN", GC_N}, {"TOTAL_N", GC_N}, {"N_COMPLETE_SAMPLES", GC_N}, {"SAMPLESIZE", GC_N},
    {"NEFF", GC_N}, {"N_EFF", GC_N}, {"N_EFFECTIVE", GC_N}, {"SUMNEFF", GC_N},
    {"MAF", GC_MAF}, {"CEUAF", GC_MAF}, {"FREQ1", GC_MAF}, {"EAF", GC_MAF},
    {"FREQ1.HAPMAP", GC_MAF}, {"FREQALLELE1HAPMAPCEU", GC_MAF}, {"FREQ.ALLELE1.HAPMAPCEU", GC_MAF},
    {"EFFECT_ALLELE_FREQ", GC_MAF}, {"FREQ.A1", GC_MAF}, {"A1FREQ", GC_MAF},
    {"ALLELEFREQ", GC_MAF}, {"EFFECT_ALLELE_FREQUENCY", GC_MAF},
    {"STDERR", GC_SE}, {"SE", GC_SE}, {"STDERRLOGOR", GC_SE}, {"SEBETA", GC_SE},
    {"STANDARDERROR", GC_SE}, {"STANDARD_ERROR", GC_SE},
    {"DIRECTION", GC_DIRECTION}, {"DIREC", GC_DIRECTION}, {"DIRE", GC_DIRECTION},
    {"SIGN", GC_DIRECTION},
    {"Z", GC_Z}, {"ZSCORE", GC_Z}, {"Z-SCORE", GC_Z}, {"ZSTATISTIC", GC_Z}, {"ZSTAT", GC_Z},
    {"Z-STATISTIC", GC_Z},
    {"NEFFDIV2", GC_NEFF_HALF}, {"NEFF_HALF", GC_NEFF_HALF},
};
/* clang-format on */
const ks__gsem_synonyms ks__gsem_synonyms_genomicsem = {
    SYN_GENOMICSEM, sizeof SYN_GENOMICSEM / sizeof *SYN_GENOMICSEM, KS__NAMES_R};

void ks__gsem_clean_name(ks__gsem_name_rule rule, const char *s, char *d, size_t cap)
{
    size_t i = 0, j = 0;
    const unsigned char c0 = (unsigned char)s[0];
    /* R's make.names: an "X" first when the name does not start with a letter or a '.' that no
     * digit follows */
    if (rule == KS__NAMES_R && !(isalpha(c0) || (c0 == '.' && !isdigit((unsigned char)s[1]))))
        d[j++] = 'X';
    for (; s[i] && j + 1 < cap; i++) {
        const unsigned char c = (unsigned char)s[i];
        char u = (char)toupper(c);
        if (rule == KS__NAMES_R && !(isalnum(c) || c == '.' || c == '_'))
            u = '.'; /* make.names */
        else if (rule == KS__NAMES_MUNGE_PY && (c == '-' || c == '.'))
            u = '_'; /* clean_header */
        d[j++] = u;
    }
    d[j] = '\0';
}

int ks__gsem_synonym_role(const ks__gsem_synonyms *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(name, t->syn[i].name)) return t->syn[i].role;
    return -1;
}

enum { NAME_CAP = 64 };

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
    /* each name as make.names writes it and as it is (both spellings are tried for a caller's
     * name: R matches neither reliably), and the role its make.names spelling has */
    char(*up)[NAME_CAP] = ks__malloc_array(ctx, nf ? 2 * nf : 1, sizeof *up);
    int *role = ks__malloc_array(ctx, nf ? nf : 1, sizeof *role);
    if (!up || !role) {
        ks__free(ctx, up);
        ks__free(ctx, role);
        return KS_ENOMEM;
    }
    for (size_t j = 0; j < nf; j++) {
        ks__gsem_clean_name(KS__NAMES_R, f[j], up[j], NAME_CAP);
        ks__gsem_clean_name(KS__NAMES_UPPER, f[j], up[nf + j], NAME_CAP);
        role[j] = ks__gsem_synonym_role(&ks__gsem_synonyms_genomicsem, up[j]);
    }
    *n_factor = 1.0;
    int rc = KS_OK;
    for (int k = 0; k < GC_NCOL; k++) {
        col[k] = -1;
        if (k >= s->ncol || (k == GC_N && s->skip_n)) continue;
        const char *given = given_name(s, k);
        if (given) {
            char g[NAME_CAP];
            ks__gsem_clean_name(KS__NAMES_UPPER, given, g, NAME_CAP);
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
            if (role[j] == k) col[k] = (int)j;
        if (k == GC_N && s->neff_half)
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (role[j] == GC_NEFF_HALF) {
                    col[k] = (int)j;
                    *n_factor = 2.0;
                }
        int syn = k;
        if (k == GC_EFFECT && s->z_as_effect && col[k] < 0) {
            syn = GC_Z;
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (role[j] == GC_Z) col[k] = (int)j;
        }
        /* a second column of the same list: R reads the first (PLINK 2's REF before its A1,
         * say) without a word */
        for (size_t j = 0; col[k] >= 0 && j < nf && !rc; j++) {
            const int half = k == GC_N && s->neff_half && role[j] == GC_NEFF_HALF;
            if ((int)j != col[k] && (role[j] == syn || half)) {
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
    ks__free(ctx, role);
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
