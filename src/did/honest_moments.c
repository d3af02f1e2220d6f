/* honest_moments.c — the restrictions on the trend difference delta as moment inequalities
 * A delta <= d (R HonestDiD's .create_A_SD, .create_A_RM, .create_A_SDRM), over the T + 1
 * periods with the reference period's column dropped; rows T wide, row-major. */
#include <string.h>

#include "honest_internal.h"

/* append row (T + 1 wide) without column K unless it is zero (R drops rows with |row|^2 <=
 * 1e-10); returns the rows now in A */
static size_t put_row(const double *row, size_t K, size_t T, double *A, size_t nr)
{
    double ss = 0.0;
    for (size_t j = 0; j <= T; j++) ss += row[j] * row[j];
    if (ss <= 1e-10) return nr;
    for (size_t j = 0, c = 0; j <= T; j++)
        if (j != K) A[nr * T + c++] = row[j];
    return nr + 1;
}

size_t ks__honest_A_sd(size_t K, size_t P, double *A)
{
    const size_t T = K + P;
    double row[129];
    size_t nr = 0;
    for (int sg = 0; sg < 2; sg++)
        for (size_t r = 0; r + 1 < T; r++) {
            memset(row, 0, (T + 1) * sizeof *row);
            row[r] = row[r + 2] = sg ? -1.0 : 1.0;
            row[r + 1] = sg ? 2.0 : -2.0;
            nr = put_row(row, K, T, A, nr);
        }
    return nr;
}

/* rows +-(difference of order w at r) - (1 if the row is a pre one else Mbar) v, v the same
 * difference at the location of the largest pre one, with sign pos; npre_rows of each sign are
 * pre rows. w = 1: first differences (RM), w = 2: second (SDRM). */
static size_t relative_rows(size_t K, size_t P, double Mbar, size_t loc, int pos, int w, double *A)
{
    const size_t T = K + P, nrow = T + 1 - (size_t)w, npre = K + 1 - (size_t)w;
    static const double d1[] = {-1.0, 1.0}, d2[] = {1.0, -2.0, 1.0};
    const double *dif = w == 1 ? d1 : d2;
    double row[129], v[129];
    memset(v, 0, (T + 1) * sizeof *v);
    for (int i = 0; i <= w; i++) v[loc + (size_t)i] = pos ? dif[i] : -dif[i];
    size_t nr = 0;
    for (int sg = 0; sg < 2; sg++)
        for (size_t r = 0; r < nrow; r++) {
            memset(row, 0, (T + 1) * sizeof *row);
            for (int i = 0; i <= w; i++) row[r + (size_t)i] = sg ? -dif[i] : dif[i];
            const double mult = r < npre ? 1.0 : Mbar;
            for (size_t j = 0; j <= T; j++) row[j] -= mult * v[j];
            nr = put_row(row, K, T, A, nr);
        }
    return nr;
}

size_t ks__honest_A_rm(size_t K, size_t P, double Mbar, long s, int pos, double *A)
{
    return relative_rows(K, P, Mbar, (size_t)((long)K + s - 1), pos, 1, A);
}

size_t ks__honest_A_sdrm(size_t K, size_t P, double Mbar, long s, int pos, double *A)
{
    return relative_rows(K, P, Mbar, (size_t)((long)K + s - 2), pos, 2, A);
}
