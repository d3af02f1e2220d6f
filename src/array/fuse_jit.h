/* fuse_jit.h — machine code for runs of cheap float64 operations in a fused pass (fuse_jit.c);
 * private to fuse.c. */
#ifndef KS_ARRAY_FUSE_JIT_H
#define KS_ARRAY_FUSE_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS__JIT_MAXINS 64 /* instructions, and inputs, of one run */

/* float64 -> float64 first; the ones from KS__J_GT on give bool */
typedef enum {
    KS__J_ADD,
    KS__J_SUB,
    KS__J_MUL,
    KS__J_DIV,
    KS__J_MAX,
    KS__J_MIN,
    KS__J_SQRT,
    KS__J_SQUARE,
    KS__J_NEG,
    KS__J_ABS,
    KS__J_COPY,
    KS__J_WHERE, /* (bool, float64, float64) */
    KS__J_CALL,  /* fn(x): a vector function, 4 float64 lanes in ymm0 and back (SysV) */
    KS__J_GT,
    KS__J_GE,
    KS__J_LT,
    KS__J_LE,
    KS__J_EQ,
    KS__J_NE,
    KS__J_AND,
    KS__J_OR,
    KS__J_XOR,
    KS__J_NOT /* of bools */
} ks__jop;

typedef struct {
    ks__jop op;
    int narg;
    int src[3]; /* >= 0: an earlier instruction of the run; < 0: input -1 - src */
    bool store; /* written to out[out] (read after the run) */
    int out;
    const void *fn; /* KS__J_CALL's function */
} ks__jit_instr;

typedef struct {
    bool is_bool; /* bool bytes, else float64 */
    bool scalar;  /* one float64 for every element (stride 0), else contiguous */
} ks__jit_input;

/* What the code does with the run's values.
 * STORE: fn(in, out, n) runs over elements [0, n rounded down to a multiple of 4) of the inputs'
 *   pointers, writing each stored instruction's values to out[its out].
 * SUM: fn(in, out, n) writes to *(double *)out[0] NumPy's pairwise block sum of the last
 *   instruction's (float64) values over elements [0, n rounded down to a multiple of 8), n >= 8:
 *   r[j] the sum of elements j, j + 8, ... in order, then ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7));
 *   the caller adds the rest and builds the tree above the blocks. Nothing is stored, and no
 *   instruction is a call. */
typedef enum { KS__JIT_STORE, KS__JIT_SUM } ks__jit_mode;
typedef void (*ks__jit_fn)(const char *const *in, char *const *out, ptrdiff_t n);
typedef struct {
    ks__jit_fn fn;
    size_t size;
    bool cached; /* kept for later runs: not freed */
} ks__jit_code;

/* Whether this CPU runs the code (x86-64 with AVX2; KESTREL_FUSE_JIT=0 turns it off). */
bool ks__jit_available(void);
/* 0 and *out (the code compiled for the same run before, or now), or -1 where the run does not
 * fit (registers, pointers) or memory is short. The arrays' padding must be zeroed (they are
 * compared as bytes). */
int ks__jit_compile(const ks__jit_instr *ins, int nins, const ks__jit_input *in, int nin,
                    ks__jit_mode mode, ks__jit_code *out);
void ks__jit_free(ks__jit_code *c);

#endif
