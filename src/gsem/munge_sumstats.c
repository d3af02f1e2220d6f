/* munge_sumstats.c — bulik ldsc's munge_sumstats.py (mode KS_GSEM_MUNGE_LDSC; notes sec. 2.1), written
 * from its documented and observed behaviour (the upstream script itself, run on the fixtures
 * in tests/data/gsem/ldsc_munge, gave their reference outputs).
 *
 * Columns: the file's names, upper-cased with '-' and '.' read as '_', are looked up in
 * munge_sumstats's own synonym table (the caller's names first, --ignore'd ones never); one
 * signed statistic (Z, OR, BETA, LOG_ODDS) is found by its name, or named with
 * --signed-sumstats COL,null, or none with --a1-inc. Then, row by row as the file streams and
 * each row counted at the first rule it fails: a missing value in any column read (but one
 * named exactly "INFO"), an SNP not in the merge-alleles list, INFO < min, MAF (FRQ folded)
 * <= min or FRQ outside [0, 1], P outside (0, 1], alleles that are not a strand-unambiguous
 * SNP. Then the first row of each rs number is kept; N comes from N_CAS + N_CON (rescaled to
 * the case fraction at the largest N), an N column, --N, or N_cas + N_con; rows with N below
 * the 90th percentile / 1.5 (or --n-min) go (NSTUDY below its max, or --nstudy-min, where
 * there is no N); the median of the signed statistic must lie within 0.1 of its null; Z =
 * sqrt(chi2.isf(P, 1)) = Phi^-1(1 - P/2), negative where the statistic is below its null.
 * With a merge list the rows follow the list, and SNPs missing or whose alleles match the
 * list's in no strand and order are written blank. The file is written as pandas writes it
 * with float_format '%.3f': the columns in the file's order (N appended when computed, FRQ
 * last), an N column of integers as integers (not with a merge list, whose blanks make it
 * float), NaN as an empty cell. The memory is the rows that pass the row rules, as upstream. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsem_internal.h"
#include "kestrel/linalg.h"

/* The roles a file column can play; the four signed statistics become R_SIGN once chosen. */
/* clang-format off */
enum { R_SNP, R_A1, R_A2, R_P, R_N, R_NCAS, R_NCON, R_SIGN, R_INFO, R_FRQ, R_NSTUDY, NR,
       R_Z = NR, R_OR, R_BETA, R_LOGODDS, NROLE };
static const char *const ROLE[NROLE] = {"SNP",  "A1",     "A2",  "P",       "N",
                                        "N_CAS", "N_CON", "SIGNED_SUMSTAT", "INFO", "FRQ",
                                        "NSTUDY", "Z",    "OR",  "BETA",    "LOG_ODDS"};
static const double SIGN_NULL[4] = {0.0, 1.0, 0.0, 0.0}; /* Z, OR, BETA, LOG_ODDS */

/* munge_sumstats's default names (its table's "Z-SCORE" is left out: a file's "Z-SCORE" is
 * looked up as "Z_SCORE", so upstream never matches it). */
static const ks__gsem_synonym SYN[] = {
    {"SNP", R_SNP},         {"MARKERNAME", R_SNP},     {"SNPID", R_SNP},
    {"RS", R_SNP},          {"RSID", R_SNP},           {"RS_NUMBER", R_SNP},
    {"RS_NUMBERS", R_SNP},  {"NSTUDY", R_NSTUDY},      {"N_STUDY", R_NSTUDY},
    {"NSTUDIES", R_NSTUDY}, {"N_STUDIES", R_NSTUDY},   {"P", R_P},
    {"PVALUE", R_P},        {"P_VALUE", R_P},          {"PVAL", R_P},
    {"P_VAL", R_P},         {"GC_PVALUE", R_P},        {"A1", R_A1},
    {"ALLELE1", R_A1},      {"ALLELE_1", R_A1},        {"EFFECT_ALLELE", R_A1},
    {"REFERENCE_ALLELE", R_A1}, {"INC_ALLELE", R_A1},  {"EA", R_A1},
    {"A2", R_A2},           {"ALLELE2", R_A2},         {"ALLELE_2", R_A2},
    {"OTHER_ALLELE", R_A2}, {"NON_EFFECT_ALLELE", R_A2}, {"DEC_ALLELE", R_A2},
    {"NEA", R_A2},          {"N", R_N},                {"WEIGHT", R_N},
    {"NCASE", R_NCAS},      {"CASES_N", R_NCAS},       {"N_CASE", R_NCAS},
    {"N_CASES", R_NCAS},    {"N_CAS", R_NCAS},         {"N_CONTROLS", R_NCON},
    {"N_CON", R_NCON},      {"NCONTROL", R_NCON},      {"CONTROLS_N", R_NCON},
    {"N_CONTROL", R_NCON},  {"ZSCORE", R_Z},           {"GC_ZSCORE", R_Z},
    {"Z", R_Z},             {"OR", R_OR},              {"B", R_BETA},
    {"BETA", R_BETA},       {"LOG_ODDS", R_LOGODDS},   {"EFFECTS", R_BETA},
    {"EFFECT", R_BETA},     {"SIGNED_SUMSTAT", R_SIGN}, {"INFO", R_INFO},
    {"EAF", R_FRQ},         {"FRQ", R_FRQ},            {"MAF", R_FRQ},
    {"FRQ_U", R_FRQ},       {"F_U", R_FRQ},
};
/* clang-format on */
static const ks__gsem_synonyms SYNONYMS = {SYN, sizeof SYN / sizeof *SYN, KS__NAMES_MUNGE_PY};

/* munge_sumstats's clean_header (ks__gsem_clean_name's rule), a copy. */
static char *clean_name(ks_ctx *ctx, const char *s)
{
    const size_t n = strlen(s) + 1;
    char *d = ks__malloc(ctx, n);
    if (d) ks__gsem_clean_name(SYNONYMS.rule, s, d, n);
    return d;
}

/* The name -> role map munge_sumstats builds (a dict: a later entry replaces an earlier): a
 * synonym table of its own, the names owned. */
typedef struct {
    ks__gsem_synonym *syn;
    size_t n, cap;
} namemap;

static int map_find(const namemap *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->syn[i].name, key)) return (int)i;
    return -1;
}

/* Enter key (owned by the map from here on, also on failure) -> role. */
static int map_set(ks_ctx *ctx, namemap *m, char *key, int role)
{
    if (!key) return KS_ENOMEM;
    const int i = map_find(m, key);
    if (i >= 0) {
        ks__free(ctx, key);
        m->syn[i].role = role;
        return KS_OK;
    }
    if (ks__grow(ctx, (void **)&m->syn, &m->cap, m->n + 1, sizeof *m->syn)) {
        ks__free(ctx, key);
        return KS_ENOMEM;
    }
    m->syn[m->n++] = (ks__gsem_synonym){key, role};
    return KS_OK;
}

static void map_free(ks_ctx *ctx, namemap *m)
{
    for (size_t i = 0; i < m->n; i++) ks__free(ctx, (char *)m->syn[i].name);
    ks__free(ctx, m->syn);
}

/* "COL,null" -> COL (into col, cap bytes) and the null value; 0 when it is not of that form. */
static int parse_signed(const char *s, char *col, size_t cap, double *null)
{
    const char *c = strchr(s, ',');
    if (!c || c == s || strchr(c + 1, ',') || (size_t)(c - s) >= cap) return 0;
    memcpy(col, s, (size_t)(c - s));
    col[c - s] = '\0';
    char *end;
    *null = strtod(c + 1, &end);
    return end != c + 1 && !*end && !isnan(*null);
}

/* The role each key of ks_gsem_munge_options.columns names, or -1. */
static int column_role(const char *spec, const char **name)
{
    const char *eq = strchr(spec, '=');
    if (!eq || !eq[1]) return -1;
    *name = eq + 1;
    for (int r = 0; r < NR; r++)
        if (r != R_SIGN && strlen(ROLE[r]) == (size_t)(eq - spec) &&
            !strncmp(spec, ROLE[r], (size_t)(eq - spec)))
            return r;
    return -1;
}

int ks__h2rg_check(ks_ctx *ctx, const ks_gsem_munge_options *o)
{
    const ks_gsem_munge_ldsc_options d = KS_GSEM_MUNGE_LDSC_OPTIONS_INIT, *l = o->ldsc ? o->ldsc : &d;
    if (isnan(o->N) || isnan(o->info_filter) || isnan(o->maf_filter) || isnan(l->N_cas) ||
        isnan(l->N_con) || isnan(l->n_min) || isnan(l->nstudy_min))
        return ks__fail(ctx, KS_EINVAL,
                       "munge (ldsc): N, info_filter, maf_filter, N_cas, N_con, "
                       "n_min and nstudy_min must be numbers");
    const double nn[3] = {o->N, l->N_cas, l->N_con}; /* (0: not given, as upstream's flags) */
    static const char *const nname[3] = {"N", "N_cas", "N_con"};
    for (int k = 0; k < 3; k++)
        if (!(nn[k] >= 0.0 && isfinite(nn[k])))
            return ks__fail(ctx, KS_EINVAL, "munge (ldsc): %s %g is not a number > 0", nname[k],
                           nn[k]);
    if (l->daner && l->daner_n)
        return ks__fail(ctx, KS_EINVAL,
                       "munge (ldsc): --daner and --daner-n are not compatible "
                       "(--daner takes N from the FRQ_A_/FRQ_U_ names, --daner-n "
                       "from the Nca/Nco columns)");
    if (l->decimals < 0 || l->decimals > 17)
        return ks__fail(ctx, KS_EINVAL, "munge (ldsc): decimals must be in 0..17, not %d",
                       l->decimals);
    char col[256];
    double null;
    if (l->signed_sumstats && !parse_signed(l->signed_sumstats, col, sizeof col, &null))
        return ks__fail(ctx, KS_EINVAL,
                       "munge (ldsc): --signed-sumstats '%s': expected a column "
                       "name, a comma and a number (e.g. BETA,0 or OR,1)",
                       l->signed_sumstats);
    for (const char *const *c = o->columns; c && *c; c++) {
        const char *name = NULL;
        if (column_role(*c, &name) < 0)
            return ks__fail(ctx, KS_EINVAL,
                           "munge (ldsc): column '%s': expected NAME=column with "
                           "NAME one of SNP, A1, A2, P, N, N_CAS, N_CON, FRQ, "
                           "INFO, NSTUDY",
                           *c);
    }
    return KS_OK;
}

/* Where each role is read from, and how a kept row is stored. */
typedef struct {
    int col[NR];     /* file column, -1: none */
    int slot[NR];    /* the number's place in a stored row, -1: not stored */
    int nd;          /* numbers per stored row */
    int info_exempt; /* the INFO column is named "INFO": missing INFO is not a missing value */
    double null;     /* the signed statistic's null value */
    double N_cas, N_con;
    size_t nhead;
} layout;

static int in_list(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], s)) return 1;
    return 0;
}

/* munge_sumstats's name map: the caller's names, then the defaults (without the signed
 * statistics when one is named or --a1-inc), --ignore'd names never. */
static int build_map(ks_ctx *ctx, const ks_gsem_munge_options *o, const ks_gsem_munge_ldsc_options *l,
                     namemap *m)
{
    char **ign = NULL;
    size_t ni = 0;
    for (const char *const *c = l->ignore; c && *c; c++) ni++;
    if (ni && !(ign = ks__calloc(ctx, ni, sizeof *ign))) return KS_ENOMEM;
    int rc = KS_OK;
    for (size_t i = 0; i < ni && !rc; i++)
        if (!(ign[i] = clean_name(ctx, l->ignore[i]))) rc = KS_ENOMEM;
#define IGNORED(k) in_list(ign, ni, (k))
    for (const char *const *c = o->columns; c && *c && !rc; c++) {
        const char *name = NULL;
        const int r = column_role(*c, &name);
        char *k = clean_name(ctx, name);
        if (k && IGNORED(k))
            ks__free(ctx, k);
        else
            rc = map_set(ctx, m, k, r);
    }
    if (!rc && l->signed_sumstats) {
        char col[256];
        double null;
        parse_signed(l->signed_sumstats, col, sizeof col, &null); /* checked before */
        char *k = clean_name(ctx, col);
        if (k && IGNORED(k))
            ks__free(ctx, k);
        else
            rc = map_set(ctx, m, k, R_SIGN);
    }
    const size_t nflag = m->n;
    const int drop_signed = l->signed_sumstats || l->a1_inc;
    for (size_t s = 0; s < SYNONYMS.n && !rc; s++) {
        const ks__gsem_synonym *y = &SYNONYMS.syn[s];
        if (drop_signed && y->role >= R_Z) continue;
        int flagged = 0;
        for (size_t i = 0; i < nflag; i++) flagged |= !strcmp(m->syn[i].name, y->name);
        if (!flagged && !IGNORED(y->name)) rc = map_set(ctx, m, ks__strdup(ctx, y->name), y->role);
    }
#undef IGNORED
    for (size_t i = 0; i < ni; i++) ks__free(ctx, ign[i]);
    ks__free(ctx, ign);
    return rc;
}

/* --daner / --daner-n: the FRQ_U_<n> column as FRQ, N_cas and N_con from the FRQ_A_<n> and
 * FRQ_U_<n> names, or the Nca / Nco columns as N_CAS / N_CON. */
static int daner_columns(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                         const ks_gsem_munge_ldsc_options *l, namemap *m, layout *L)
{
    const char *frq_u = NULL, *frq_a = NULL;
    for (size_t j = 0; j < nf; j++) {
        if (!frq_u && !strncmp(f[j], "FRQ_U_", 6)) frq_u = f[j];
        if (!frq_a && !strncmp(f[j], "FRQ_A_", 6)) frq_a = f[j];
    }
    const char *opt = l->daner ? "--daner" : "--daner-n";
    if (!frq_u) return ks__fail(ctx, KS_EPARSE, "%s:1: %s: no FRQ_U_<controls> column", path, opt);
    if (l->daner) {
        if (!frq_a) return ks__fail(ctx, KS_EPARSE, "%s:1: --daner: no FRQ_A_<cases> column", path);
        char *e1, *e2;
        L->N_cas = strtod(frq_a + 6, &e1);
        L->N_con = strtod(frq_u + 6, &e2);
        if (e1 == frq_a + 6 || *e1 || e2 == frq_u + 6 || *e2)
            return ks__fail(ctx, KS_EPARSE,
                           "%s:1: --daner: the sample sizes in '%s' and '%s' are "
                           "not numbers",
                           path, frq_a, frq_u);
    }
    int rc = map_set(ctx, m, ks__strdup(ctx, frq_u), R_FRQ); /* (upstream: the name as it is) */
    if (rc || l->daner) return rc;
    for (int k = 0; k < 2; k++) {
        const char *want = k ? "Nco" : "Nca";
        size_t j = 0;
        while (j < nf && strcmp(f[j], want)) j++;
        if (j == nf) return ks__fail(ctx, KS_EPARSE, "%s:1: --daner-n: no %s column", path, want);
        if ((rc = map_set(ctx, m, clean_name(ctx, want), k ? R_NCON : R_NCAS))) return rc;
    }
    return KS_OK;
}

/* The checks munge_sumstats makes of the columns it found, in its order. */
static int check_columns(ks_ctx *ctx, const char *path, char *const *f, size_t nf, const int *role,
                         const ks_gsem_munge_options *o, const ks_gsem_munge_ldsc_options *l, layout *L)
{
    static const char *const what[NR] = {
        "SNP (rs number)",          NULL, NULL, "P (p-value)", NULL, NULL, NULL,
        "signed summary statistic", NULL, NULL, NULL};
    for (int r = 0; r < NR; r++)
        if ((r == R_SNP || r == R_P || (r == R_SIGN && !l->a1_inc)) && L->col[r] < 0)
            return ks__fail(ctx, KS_EPARSE, "%s:1: could not find the %s column", path, what[r]);
    for (size_t j = 0; j < nf; j++) {
        if (role[j] < 0) continue;
        int same = 0, roles = 0;
        for (size_t i = 0; i < nf; i++) {
            same += !strcmp(f[i], f[j]);
            roles += role[i] == role[j];
        }
        if (same > 1)
            return ks__fail(ctx, KS_EPARSE, "%s:1: found %d columns named %s", path, same, f[j]);
        if (roles > 1)
            return ks__fail(ctx, KS_EPARSE,
                           "%s:1: found %d different %s columns (name the one "
                           "to use, or --ignore the others)",
                           path, roles, ROLE[role[j]]);
    }
    const int cc = L->col[R_NCAS] >= 0 && L->col[R_NCON] >= 0;
    if (!(o->N != 0.0) && !(L->N_cas != 0.0 && L->N_con != 0.0) && L->col[R_N] < 0 && !cc)
        return ks__fail(ctx, KS_EPARSE,
                       "%s:1: could not determine N (no N column, nor N_CAS and "
                       "N_CON columns; give N, or N_cas and N_con)",
                       path);
    if (L->col[R_N] >= 0 || cc) L->col[R_NSTUDY] = -1; /* NSTUDY is not read */
    if (!l->no_alleles && (L->col[R_A1] < 0 || L->col[R_A2] < 0))
        return ks__fail(ctx, KS_EPARSE,
                       "%s:1: could not find the A1/A2 columns (or give "
                       "no_alleles)",
                       path);
    return KS_OK;
}

/* The header: each role's column, the signed statistic and its null, the report's names. */
static int map_header(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                      const ks_gsem_munge_options *o, const ks_gsem_munge_ldsc_options *l, layout *L,
                      ks_gsem_munge_ldsc_report *rep)
{
    namemap m = {NULL, 0, 0};
    int *role = ks__malloc_array(ctx, nf ? nf : 1, sizeof *role);
    int rc = role ? build_map(ctx, o, l, &m) : KS_ENOMEM;
    L->N_cas = l->N_cas;
    L->N_con = l->N_con;
    if (!rc && (l->daner || l->daner_n)) rc = daner_columns(ctx, path, f, nf, l, &m, L);
    for (size_t j = 0; j < nf && !rc; j++) {
        char *k = clean_name(ctx, f[j]);
        if (!k) {
            rc = KS_ENOMEM;
            break;
        }
        const ks__gsem_synonyms t = {m.syn, m.n, SYNONYMS.rule};
        role[j] = ks__gsem_synonym_role(&t, k);
        ks__free(ctx, k);
    }
    map_free(ctx, &m);
    if (rc) {
        ks__free(ctx, role);
        return rc;
    }
    char sname[256] = "SIGNED_SUMSTATS";
    if (l->signed_sumstats) {
        char col[256];
        parse_signed(l->signed_sumstats, col, sizeof col, &L->null);
    }
    if (!l->signed_sumstats && !l->a1_inc) { /* the one signed statistic named as such */
        int k = -1, nk = 0;
        for (size_t j = 0; j < nf; j++)
            if (role[j] >= R_Z) {
                k = (int)j;
                nk++;
            }
        if (nk != 1) {
            ks__free(ctx, role);
            return ks__fail(ctx, KS_EPARSE,
                           nk ? "%s:1: too many signed summary statistic columns "
                                "(--ignore all but one, or name it with "
                                "signed_sumstats)"
                              : "%s:1: could not find a signed summary statistic "
                                "column (Z, OR, BETA, LOG_ODDS; or name one with "
                                "signed_sumstats \"COL,null\", or give a1_inc)",
                           path);
        }
        L->null = SIGN_NULL[role[k] - R_Z];
        role[k] = R_SIGN;
        snprintf(sname, sizeof sname, "%s", f[k]);
    }
    for (int r = 0; r < NR; r++) L->col[r] = -1;
    for (size_t j = nf; j-- > 0;)
        if (role[j] >= 0 && role[j] < NR) L->col[role[j]] = (int)j;
    rc = check_columns(ctx, path, f, nf, role, o, l, L);
    ks__free(ctx, role);
    if (rc) return rc;
    L->info_exempt = L->col[R_INFO] >= 0 && !strcmp(f[L->col[R_INFO]], "INFO");
    L->nd = 0;
    for (int r = 0; r < NR; r++) {
        const int kept = r == R_P || r == R_N || r == R_NCAS || r == R_NCON || r == R_SIGN ||
                         r == R_NSTUDY || (r == R_FRQ && l->keep_maf);
        L->slot[r] = (kept && L->col[r] >= 0) || r == R_N ? L->nd++ : -1; /* N: always */
        if (L->col[r] >= 0 && !(rep->used[r] = ks__strdup(ctx, f[L->col[r]]))) return KS_ENOMEM;
    }
    L->nhead = nf;
    return (rep->signed_name = ks__strdup(ctx, sname)) ? KS_OK : KS_ENOMEM;
}

/* The rows kept: each one's SNP and alleles as consecutive strings in one arena, its numbers
 * (layout.nd of them: the slots) in one array. */
typedef struct {
    char *arena;
    size_t alen, acap;
    size_t *off, ocap;
    double *num;
    size_t ncap, n;
} rowstore;

static void store_free(ks_ctx *ctx, rowstore *s)
{
    ks__free(ctx, s->arena);
    ks__free(ctx, s->off);
    ks__free(ctx, s->num);
    memset(s, 0, sizeof *s);
}

static int store_row(ks_ctx *ctx, rowstore *s, const layout *L, char *const *f, const double *v,
                     int upper)
{
    const char *txt[3] = {f[L->col[R_SNP]], L->col[R_A1] >= 0 ? f[L->col[R_A1]] : NULL,
                          L->col[R_A2] >= 0 ? f[L->col[R_A2]] : NULL};
    size_t need = s->alen;
    for (int k = 0; k < 3; k++) need += txt[k] ? strlen(txt[k]) + 1 : 0;
    int rc;
    if ((rc = ks__grow(ctx, (void **)&s->arena, &s->acap, need, 1)) ||
        (rc = ks__grow(ctx, (void **)&s->off, &s->ocap, s->n + 1, sizeof *s->off)) ||
        (rc =
             ks__grow(ctx, (void **)&s->num, &s->ncap, (s->n + 1) * (size_t)L->nd, sizeof *s->num)))
        return rc;
    s->off[s->n] = s->alen;
    for (int k = 0; k < 3; k++) {
        if (!txt[k]) continue;
        char *d = s->arena + s->alen;
        const size_t len = strlen(txt[k]) + 1;
        memcpy(d, txt[k], len);
        if (k && upper)
            for (char *p = d; *p; p++) *p = (char)toupper((unsigned char)*p);
        s->alen += len;
    }
    double *x = s->num + s->n * (size_t)L->nd;
    for (int r = 0; r < NR; r++)
        if (L->slot[r] >= 0) x[L->slot[r]] = v[r];
    s->n++;
    return KS_OK;
}

/* Keep the rows with keep[i] (in order). */
static void store_keep(rowstore *s, int nd, const unsigned char *keep)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (keep[i]) {
            s->off[k] = s->off[i];
            memmove(s->num + k * (size_t)nd, s->num + i * (size_t)nd, (size_t)nd * sizeof *s->num);
            k++;
        }
    s->n = k;
}

static const char *row_text(const rowstore *s, size_t i, int k) /* 0: SNP, 1, 2: the alleles */
{
    const char *t = s->arena + s->off[i];
    for (; k > 0; k--) t += strlen(t) + 1;
    return t;
}

/* A: 0, C: 1, G: 2, T: 3 (complements sum to 3): a pair that is a SNP and not strand
 * ambiguous. */
static int valid_snp(int a, int b)
{
    return a >= 0 && b >= 0 && a < 4 && b < 4 && a != b && a + b != 3;
}

/* A cell that pandas would read as an int64 (so that a column of them is written as such). */
static int int_literal(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    size_t n = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
    }
    return n > 0 && n <= 18 && !s[n];
}

/* One data row's cells: v[role] (NaN where missing); 1 if a cell other than an exempt INFO is
 * missing, 0 if none is, or an error naming the cell. */
static int row_cells(ks_ctx *ctx, const char *path, size_t line, char *const *f, size_t nf,
                     const layout *L, const char *const *names, double *v, int *n_int)
{
    int miss = 0;
    for (int k = 0; k < NR; k++) {
        const int c = L->col[k];
        v[k] = NAN;
        if (c < 0) continue;
        const char *cell = (size_t)c < nf ? f[c] : NULL;
        const int na = !cell || ks__gsem_is_na(cell, KS__NA_PANDAS);
        if (k == R_N && (na || !int_literal(cell))) *n_int = 0;
        if (na) {
            miss |= !(k == R_INFO && L->info_exempt);
            continue;
        }
        if (k == R_SNP || k == R_A1 || k == R_A2) continue;
        if (ks__gsem_parse_num(cell, &v[k], NULL) != 1 || isnan(v[k]) || strpbrk(cell, "xX"))
            return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column %s", path,
                           line, c + 1, cell, names[k]);
    }
    return miss;
}

/* What one row of the scan needs. */
typedef struct {
    ks_ctx *ctx;
    const char *path;
    const layout *L;
    const ks__gsem_snplist *merge;
    const ks_gsem_munge_options *o;
    const ks_gsem_munge_ldsc_options *l;
    ks_gsem_munge_ldsc_report *lr;
    rowstore *s;
    int *n_int;
} ldsc_scan;

/* One data row through the row rules (k: its index in the merge list, -1 when not there or no
 * list), stored when it passes. */
static int ldsc_row(void *arg, char *const *f, size_t nf, size_t line, int64_t k)
{
    const ldsc_scan *a = arg;
    const layout *L = a->L;
    ks_gsem_munge_ldsc_report *lr = a->lr;
    double v[NR];
    const int miss = row_cells(a->ctx, a->path, line, f, nf, L, lr->used, v, a->n_int);
    if (miss < 0) return miss;
    if (miss) {
        lr->na++;
        return KS_OK;
    }
    if (a->merge && k < 0) {
        lr->not_in_merge++;
        return KS_OK;
    }
    int keep = 1;
    if (L->col[R_INFO] >= 0) {
        const double x = v[R_INFO];
        lr->info_out_of_range += !isnan(x) && (x > 2.0 || x < 0.0);
        if (keep && !(x >= a->o->info_filter)) keep = 0, lr->info_low++;
    }
    if (L->col[R_FRQ] >= 0) {
        const double x = v[R_FRQ], maf = x < 1.0 - x ? x : 1.0 - x;
        const int bad = x < 0.0 || x > 1.0;
        lr->frq_out_of_range += bad;
        if (keep && !(maf > a->o->maf_filter && !bad)) keep = 0, lr->frq_low++;
    }
    const int p_ok = v[R_P] > 0.0 && v[R_P] <= 1.0;
    lr->p_out_of_range += !p_ok;
    if (keep && !p_ok) keep = 0, lr->p_bad++;
    if (keep && !a->l->no_alleles &&
        !valid_snp(ks__gsem_allele(f[L->col[R_A1]], 1), ks__gsem_allele(f[L->col[R_A2]], 1)))
        keep = 0, lr->alleles_bad++;
    return keep ? store_row(a->ctx, a->s, L, f, v, !a->l->no_alleles) : KS_OK;
}

/* Stream the data rows through the reader munge and sumstats use (ks__gsem_scan_rows, the
 * merge list's lookups batched): each row counted and its width checked, then the row rules;
 * every row goes on to them, also one not in the merge list (munge_sumstats.py counts a row's
 * missing values before its absence from --merge-alleles). */
static int scan_rows(ks_ctx *ctx, const char *path, ks_text_reader *r, const layout *L,
                     const ks__gsem_snplist *merge, const ks_gsem_munge_options *o,
                     const ks_gsem_munge_ldsc_options *l, ks_gsem_munge_report *rep, rowstore *s,
                     int *n_int, const ks__gsem_progress *pr)
{
    *n_int = L->col[R_N] >= 0;
    ldsc_scan a = {ctx, path, L, merge, o, l, &rep->ldsc, s, n_int};
    const ks__gsem_tally t = {ctx, path, L->nhead, &rep->rows, &rep->short_rows, NULL, pr};
    const int rc =
        ks__gsem_scan_rows(r, merge ? &merge->index : NULL, L->col[R_SNP], &t, ldsc_row, &a);
    ks__gsem_progress_report(pr, r);
    return rc;
}

/* The first row of each SNP name. */
static int drop_duplicates(ks_ctx *ctx, rowstore *s, const layout *L, size_t *removed)
{
    const char **name = ks__malloc_array(ctx, s->n ? s->n : 1, sizeof *name);
    unsigned char *keep = ks__malloc(ctx, s->n ? s->n : 1);
    ks__index ix = {NULL, NULL, 0, NULL, 0};
    int rc = name && keep ? KS_OK : KS_ENOMEM;
    for (size_t i = 0; !rc && i < s->n; i++) name[i] = row_text(s, i, 0);
    if (!rc) rc = ks__index_build(ctx, name, s->n, &ix);
    if (!rc) {
        for (size_t i = 0; i < s->n; i++) keep[i] = ks__index_find(&ix, name[i]) == (int64_t)i;
        const size_t n0 = s->n;
        store_keep(s, L->nd, keep);
        *removed = n0 - s->n;
    }
    ks__index_free(&ctx->alloc, &ix);
    ks__free(ctx, name);
    ks__free(ctx, keep);
    return rc;
}

/* The N filter's keep flags: x[slot] >= min. */
static void keep_at_least(const rowstore *s, int nd, int slot, double min, unsigned char *keep,
                          size_t *removed)
{
    *removed = 0;
    for (size_t i = 0; i < s->n; i++) {
        keep[i] = s->num[i * (size_t)nd + slot] >= min;
        *removed += !keep[i];
    }
}

/* N_CAS + N_CON as munge_sumstats rescales it: N P / mean(P at the largest N), P = N_CAS / N. */
static int n_from_cases(ks_ctx *ctx, rowstore *s, const layout *L)
{
    const int nd = L->nd, sn = L->slot[R_N], sa = L->slot[R_NCAS], so = L->slot[R_NCON];
    double top = NAN;
    size_t at = 0;
    for (size_t i = 0; i < s->n; i++) {
        double *x = s->num + i * (size_t)nd;
        x[sn] = x[sa] + x[so];
        if (isnan(top) || x[sn] > top) top = x[sn];
    }
    double *p = ks__malloc_array(ctx, s->n ? s->n : 1, sizeof *p);
    if (!p) return KS_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        const double *x = s->num + i * (size_t)nd, pi = x[sa] / x[sn];
        if (x[sn] == top && !isnan(pi)) p[at++] = pi;
    }
    const double pm = at ? ks_mean(p, at) : NAN;
    ks__free(ctx, p);
    for (size_t i = 0; i < s->n; i++) {
        double *x = s->num + i * (size_t)nd;
        x[sn] = x[sn] * (x[sa] / x[sn]) / pm;
    }
    return KS_OK;
}

/* munge_sumstats's process_n: N per row (N_CAS + N_CON, the N column, or one N for all), the N
 * filter, or the NSTUDY filter where there is no N. */
static int process_n(ks_ctx *ctx, rowstore *s, const layout *L, const ks_gsem_munge_options *o,
                     const ks_gsem_munge_ldsc_options *l, ks_gsem_munge_ldsc_report *lr)
{
    const int nd = L->nd, sn = L->slot[R_N];
    const int cc = L->col[R_NCAS] >= 0 && L->col[R_NCON] >= 0;
    int rc = cc ? n_from_cases(ctx, s, L) : KS_OK;
    unsigned char *keep = rc ? NULL : ks__malloc(ctx, s->n ? s->n : 1);
    if (!keep) return KS_ENOMEM;
    if (cc || L->col[R_N] >= 0) {
        if (l->n_min != 0.0) {
            lr->n_min = l->n_min;
        } else {
            double *v = ks__malloc_array(ctx, s->n ? s->n : 1, sizeof *v);
            if (!v) {
                ks__free(ctx, keep);
                return KS_ENOMEM;
            }
            for (size_t i = 0; i < s->n; i++) v[i] = s->num[i * (size_t)nd + sn];
            lr->n_min = ks__quantile_linear(v, s->n, 0.9) / 1.5;
            ks__free(ctx, v);
        }
        keep_at_least(s, nd, sn, lr->n_min, keep, &lr->n_low);
        store_keep(s, nd, keep);
    } else if (L->col[R_NSTUDY] >= 0) {
        const int st = L->slot[R_NSTUDY];
        double top = -INFINITY;
        for (size_t i = 0; i < s->n; i++) top = fmax(top, s->num[i * (size_t)nd + st]);
        lr->nstudy_min = l->nstudy_min != 0.0 ? l->nstudy_min : top;
        keep_at_least(s, nd, st, lr->nstudy_min, keep, &lr->nstudy_low);
        store_keep(s, nd, keep);
    }
    lr->left_n_filter = s->n;
    if (!cc && L->col[R_N] < 0) { /* --N, else N_cas + N_con (checked with the header) */
        lr->N_const = o->N != 0.0 ? o->N : L->N_cas + L->N_con;
        for (size_t i = 0; i < s->n; i++) s->num[i * (size_t)nd + sn] = lr->N_const;
    }
    /* an N that upstream's filter let through but no regression can use: N <= 0 (as --n-min
     * allows), or not finite */
    for (size_t i = 0; i < s->n; i++) {
        const double n = s->num[i * (size_t)nd + sn];
        keep[i] = n > 0.0 && n < INFINITY;
        lr->n_invalid += !keep[i];
    }
    store_keep(s, nd, keep);
    lr->left_n_valid = s->n;
    ks__free(ctx, keep);
    if (L->N_cas != 0.0 && L->N_con != 0.0) {
        lr->N_cas = L->N_cas;
        lr->N_con = L->N_con;
    }
    return KS_OK;
}

/* The median check of the signed statistic, then Z = sqrt(chi2.isf(P, 1)) signed by it, in
 * place of P. */
static int signed_z(ks_ctx *ctx, const char *path, rowstore *s, const layout *L,
                    const ks_gsem_munge_ldsc_options *l, ks_gsem_munge_ldsc_report *lr)
{
    const int nd = L->nd, sp = L->slot[R_P], ss = L->slot[R_SIGN];
    if (!l->a1_inc) {
        double *v = ks__malloc_array(ctx, s->n ? s->n : 1, sizeof *v);
        if (!v) return KS_ENOMEM;
        for (size_t i = 0; i < s->n; i++) v[i] = s->num[i * (size_t)nd + ss];
        lr->median_signed = ks__median(v, s->n);
        lr->signed_null = L->null;
        ks__free(ctx, v);
        if (fabs(lr->median_signed - L->null) > 0.1)
            return ks__fail(ctx, KS_EPARSE,
                           "%s: the median of the signed statistic %s is %.4g, "
                           "should be close to %g (within 0.1): this column may "
                           "be mislabeled (name it with signed_sumstats "
                           "\"COL,null\")",
                           path, lr->signed_name, lr->median_signed, L->null);
    }
    for (size_t i = 0; i < s->n; i++) {
        double *x = s->num + i * (size_t)nd;
        const double z = ks__z_from_p(x[sp], NAN);
        x[sp] = !l->a1_inc && x[ss] < L->null ? -z : z;
    }
    return KS_OK;
}

/* A row's alleles match the merge list's, up to strand and order. */
static int alleles_match(int a1, int a2, int b1, int b2)
{
    if (!valid_snp(a1, a2) || !valid_snp(b1, b2)) return 0;
    return (a1 == b1 && a2 == b2) || (a1 == 3 - b1 && a2 == 3 - b2) || (a1 == b2 && a2 == b1) ||
           (a1 == 3 - b2 && a2 == 3 - b1);
}

/* With a merge list: for each of its SNPs the row written (-1: a blank row). */
static int merge_rows(ks_ctx *ctx, const char *path, const rowstore *s, const ks__gsem_snplist *m,
                      int64_t *pick, ks_gsem_munge_ldsc_report *lr)
{
    const char **name = ks__malloc_array(ctx, s->n ? s->n : 1, sizeof *name);
    ks__index ix = {NULL, NULL, 0, NULL, 0};
    if (!name) return KS_ENOMEM;
    for (size_t i = 0; i < s->n; i++) name[i] = row_text(s, i, 0);
    int rc = ks__index_build(ctx, name, s->n, &ix);
    size_t found = 0;
    for (size_t i = 0; !rc && i < m->n; i++) {
        const int64_t k = ks__index_find(&ix, m->name[i]);
        pick[i] = k;
        if (k < 0) {
            lr->merge_missing++;
            continue;
        }
        found++;
        if (!alleles_match(ks__gsem_allele(row_text(s, (size_t)k, 1), 1),
                           ks__gsem_allele(row_text(s, (size_t)k, 2), 1),
                           ks__gsem_allele(m->arena + m->a1off[i], 1),
                           ks__gsem_allele(m->arena + m->a2off[i], 1))) {
            pick[i] = -1;
            lr->merge_mismatch++;
        }
    }
    ks__index_free(&ctx->alloc, &ix);
    ks__free(ctx, name);
    if (!rc && lr->merge_mismatch >= found)
        rc = ks__fail(ctx, KS_EPARSE,
                     "%s: all %zu SNPs have alleles that do not match the merge "
                     "list's",
                     path, found);
    return rc;
}

/* The output columns in pandas' order: the file's order of SNP, A1, A2, P (as Z) and N (at the
 * end when computed), the SNP first with a merge list, FRQ last. Returns how many. */
static int out_columns(const layout *L, int merged, int keep_maf, int *oc)
{
    static const int cand[5] = {R_SNP, R_A1, R_A2, R_P, R_N};
    int pos[5], n = 0;
    for (int k = 0; k < 5; k++) {
        const int r = cand[k];
        if (L->col[r] < 0 && r != R_N) continue;
        pos[n] = r == R_SNP && merged ? -1 : r == R_N && L->col[R_N] < 0 ? 1 << 30 : L->col[r];
        oc[n++] = r;
    }
    for (int i = 1; i < n; i++) /* insertion sort by position */
        for (int j = i; j > 0 && pos[j] < pos[j - 1]; j--) {
            const int tp = pos[j], to = oc[j];
            pos[j] = pos[j - 1];
            oc[j] = oc[j - 1];
            pos[j - 1] = tp;
            oc[j - 1] = to;
        }
    if (keep_maf && L->col[R_FRQ] >= 0) oc[n++] = R_FRQ;
    return n;
}

/* Z^2 of the rows written: mean, median / 0.4549, max, and how many exceed 29. */
static int chisq_stats(ks_ctx *ctx, const rowstore *s, const layout *L, const int64_t *pick,
                       size_t nout, ks_gsem_munge_ldsc_report *lr)
{
    double *c = ks__malloc_array(ctx, nout ? nout : 1, sizeof *c);
    if (!c) return KS_ENOMEM;
    size_t m = 0;
    lr->max_chisq = NAN;
    for (size_t i = 0; i < nout; i++) {
        const int64_t k = pick ? pick[i] : (int64_t)i;
        if (k < 0) continue;
        const double z = s->num[(size_t)k * (size_t)L->nd + L->slot[R_P]];
        c[m] = z * z;
        lr->n_sig += c[m] > 29.0;
        if (isnan(lr->max_chisq) || c[m] > lr->max_chisq) lr->max_chisq = c[m];
        m++;
    }
    lr->mean_chisq = m ? ks_mean(c, m) : NAN;
    lr->lambda_gc = ks__median(c, m) / KS__LDSC_CHISQ1_MEDIAN;
    ks__free(ctx, c);
    return KS_OK;
}

/* Write the rows (pick[i]: the row of output line i, -1 blank; NULL: the rows in order). */
static int write_rows(ks_ctx *ctx, const char *out_path, const rowstore *s, const layout *L,
                      const ks__gsem_snplist *m, const int64_t *pick, size_t nout, int n_int,
                      const ks_gsem_munge_ldsc_options *l, ks_text_group *g)
{
    int oc[6];
    const int noc = out_columns(L, m != NULL, l->keep_maf, oc);
    /* pandas writes an int64 N column as integers: one read as integers and not recomputed
     * (a merge list's blanks make it float) */
    const int cc = L->col[R_NCAS] >= 0 && L->col[R_NCON] >= 0;
    const int n_as_int = n_int && L->col[R_N] >= 0 && !cc && !m;
    ks_text_writer *w;
    int rc = ks_text_group_create(ctx, g, out_path, 1, &w);
    if (rc) return rc;
    static const char *const head[NR] = {"SNP", "A1", "A2", "Z",   "N", NULL,
                                         NULL,  NULL, NULL, "FRQ", NULL};
    for (int c = 0; c < noc; c++) ks_text_printf(w, "%s%s", c ? "\t" : "", head[oc[c]]);
    ks_text_puts(w, "\n");
    const int dec = l->decimals;
    for (size_t i = 0; i < nout; i++) {
        const int64_t k = pick ? pick[i] : (int64_t)i;
        const double *x = k >= 0 ? s->num + (size_t)k * (size_t)L->nd : NULL;
        for (int c = 0; c < noc; c++) {
            const int r = oc[c];
            if (c) ks_text_write(w, "\t", 1);
            if (r == R_SNP) {
                ks_text_puts(w, k >= 0 ? row_text(s, (size_t)k, 0) : m->name[i]);
            } else if (!x) {
                continue; /* a blank of the merge list */
            } else if (r == R_A1 || r == R_A2) {
                const int at = r == R_A1 ? 1 : 1 + (L->col[R_A1] >= 0); /* A2 after any A1 */
                ks_text_puts(w, row_text(s, (size_t)k, at));
            } else {
                const double v = x[L->slot[r]];
                if (isnan(v)) continue;
                if (r == R_N && n_as_int)
                    ks_text_printf(w, "%lld", (long long)v);
                else
                    ks_text_printf(w, "%.*f", dec, v);
            }
        }
        ks_text_write(w, "\n", 1);
    }
    return ks_text_commit(w);
}

int ks__h2rg_one(ks_ctx *ctx, const char *path, const char *out_path, const ks__gsem_snplist *merge,
                   const ks_gsem_munge_options *o, ks_gsem_munge_report *rep, const ks__gsem_progress *pr)
{
    const ks_gsem_munge_ldsc_options d = KS_GSEM_MUNGE_LDSC_OPTIONS_INIT, *l = o->ldsc ? o->ldsc : &d;
    ks_gsem_munge_ldsc_report *lr = &rep->ldsc;
    lr->N_cas = lr->N_con = lr->N_const = lr->n_min = lr->nstudy_min = NAN;
    lr->median_signed = lr->signed_null = lr->mean_chisq = lr->lambda_gc = lr->max_chisq = NAN;
    lr->merge_snps = merge ? merge->n : 0;
    if (merge && l->no_alleles)
        return ks__fail(ctx, KS_EINVAL,
                       "munge (ldsc): no_alleles and a merge-alleles list are not "
                       "compatible");
    ks_text_reader *r;
    size_t nf;
    char *const *f;
    int rc = ks__gsem_open_raw(ctx, path, &r, &f, &nf);
    if (rc) return rc;
    layout L;
    rowstore s = {NULL, 0, 0, NULL, 0, NULL, 0, 0};
    int64_t *pick = NULL;
    int n_int = 0;
    rc = map_header(ctx, path, f, nf, o, l, &L, lr);
    if (!rc) rc = scan_rows(ctx, path, r, &L, merge, o, l, rep, &s, &n_int, pr);
    ks_text_close(r);
    lr->left_filters = s.n;
    if (!rc && s.n == 0)
        rc = ks__fail(ctx, KS_EEMPTY, "%s: no SNPs remain after the filters (%zu rows read)", path,
                     rep->rows);
    if (!rc) rc = drop_duplicates(ctx, &s, &L, &lr->duplicates);
    lr->left_duplicates = s.n;
    if (!rc) rc = process_n(ctx, &s, &L, o, l, lr);
    if (!rc) rc = signed_z(ctx, path, &s, &L, l, lr);
    size_t nout = s.n;
    if (!rc && merge) {
        nout = merge->n;
        pick = ks__malloc_array(ctx, nout ? nout : 1, sizeof *pick);
        rc = pick ? merge_rows(ctx, path, &s, merge, pick, lr) : KS_ENOMEM;
    }
    lr->left_merge = s.n - lr->merge_mismatch;
    if (!rc) rc = chisq_stats(ctx, &s, &L, pick, nout, lr);
    if (!rc) rc = write_rows(ctx, out_path, &s, &L, merge, pick, nout, n_int, l, o->outputs);
    if (!rc) {
        rep->written = nout;
        lr->nonmissing = merge ? nout - lr->merge_missing - lr->merge_mismatch : nout;
    }
    ks__free(ctx, pick);
    store_free(ctx, &s);
    return rc;
}
