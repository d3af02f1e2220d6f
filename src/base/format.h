/* format.h — numbers as text, the same bytes as printf / R would write, at a fraction of the
 * cost (the writers of munge, ldsc and sumstats spend most of their time here otherwise). */
#ifndef KS_BASE_FORMAT_H
#define KS_BASE_FORMAT_H

/* A number as R's as.character / write.table writes it: 15 significant digits, the fewest that
 * keep them, fixed or scientific, whichever is narrower (fixed on a tie); NA, NaN, Inf. buf: at
 * least 32 bytes. Returns the length. */
int ks__format_r(double x, char *buf);
/* x as printf's "%.17g" writes it (round-trip exact), mostly without printf. buf: 32 bytes.
 * Returns the length. */
int ks__format_g17(double x, char *buf);

#endif
