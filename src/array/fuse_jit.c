/* fuse_jit.c — machine code for a run of cheap float64 operations in a fused pass.
 *
 * The blocked passes of fuse.c call one inner loop per operation, so a chain of n additions and
 * multiplications stores and reloads n blocks (each in L1): for chains of cheap operations that
 * is 2-3x the time of the loop a C programmer writes, which keeps every intermediate value in a
 * register. Here a run of such operations becomes one x86-64 AVX2 loop, 4 elements per
 * iteration, whose intermediates live in ymm registers; only the values read after the run are
 * stored. Every instruction rounds as the scalar loop's C does (IEEE add, subtract, multiply,
 * divide, sqrt; no FMA), maximum and minimum pick as F_MAX / F_MIN in ufunc_loops_arith.c, and
 * the comparisons are the C operators' (ordered, != unordered), so the values are the loops'
 * (a NaN from two NaN operands may carry either one's payload, as the loops' own clones may).
 *
 * Values: float64 (a ymm of 4 lanes) and bool (a ymm of 4 all-ones / zero lanes, read from and
 * written as 0/1 bytes). Inputs: contiguous float64 or bool, or a float64 scalar (stride 0).
 * The code handles n rounded down to a multiple of 4; the caller runs the rest with the loops.
 *
 * A run may call a vector function (KS__J_CALL: the SLEEF function the ufunc's own float64
 * loop runs on every element, so its values are the loop's): the values live across the call,
 * and the caller-saved general registers, are kept in a stack frame around it.
 *
 * A run can also be summed (KS__JIT_SUM) rather than stored: a reduction of a chain then never
 * writes the chain's values at all. The code adds NumPy's pairwise blocks (fuse.c lists them and
 * adds the blocks' sums in NumPy's tree), each block into NumPy's 8 accumulators: two ymm
 * registers whose lanes are r[0..7], adding in NumPy's order.
 *
 * Encoding: every vector instruction in the 3-byte VEX form, memory operands [base + rcx * s]
 * with rcx the element index. Registers: ymm0-12 values, ymm13 a scratch mask, ymm14 the sign
 * mask (-0.0), ymm15 zero; rax a scratch, r11 the table of 4-bit masks as 4 bytes of 0/1;
 * input and output pointers in the other 11 general registers. Constants follow the code. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "array/fuse_jit.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#include <sys/mman.h>

#define NVREG 13 /* ymm0-12 */
enum { YM_SCRATCH = 13, YM_SIGN = 14, YM_ZERO = 15 };
enum { ACC_LO = 11, ACC_HI = 12 }; /* a sum's accumulators (KS__JIT_SUM): values in ymm0-10 */
enum { RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R11 = 11 };
/* where pointers may live, callee-saved ones last (pushed only when used) */
static const int ptr_regs[] = {RSI, RDI, 8, 9, 10, RBX, RBP, 12, 13, 14, 15};
#define NPTR ((int)(sizeof ptr_regs / sizeof *ptr_regs))

typedef struct {
    unsigned char *p;
    size_t n, cap;
    bool bad;
} code;

static void b1(code *c, unsigned v)
{
    if (c->n < c->cap)
        c->p[c->n++] = (unsigned char)v;
    else
        c->bad = true;
}

static void b4(code *c, uint32_t v)
{
    for (int i = 0; i < 4; i++) b1(c, (v >> (8 * i)) & 0xff);
}

/* VEX prefix: map 1 = 0F, 2 = 0F38, 3 = 0F3A; pp 1 = 66, 3 = F2; L 1 = 256 bits. */
static void vex(code *c, int reg, int index, int base, int map, int w, int vvvv, int l, int pp)
{
    b1(c, 0xc4);
    b1(c, (unsigned)((!(reg & 8)) << 7 | (!(index & 8)) << 6 | (!(base & 8)) << 5 | map));
    b1(c, (unsigned)(w << 7 | (~vvvv & 15) << 3 | l << 2 | pp));
}

/* ModRM (+ SIB, disp8) of register `reg` with memory [base + index * 2^scale] (index < 0: none). */
static void mem(code *c, int reg, int base, int index, int scale)
{
    const bool d8 = (base & 7) == RBP; /* rbp / r13 as a base need a displacement */
    b1(c, (unsigned)((d8 ? 1 : 0) << 6 | (reg & 7) << 3 | 4));
    b1(c, (unsigned)(scale << 6 | (index < 0 ? 4 : index & 7) << 3 | (base & 7)));
    if (d8) b1(c, 0);
}

/* ModRM (+ SIB) + disp32 of register `reg` with memory [base + disp]. */
static void mem_disp(code *c, int reg, int base, int32_t disp)
{
    b1(c, (unsigned)(2 << 6 | (reg & 7) << 3 | (base & 7)));
    if ((base & 7) == RSP) b1(c, 0x24); /* rsp / r12 as a base need a SIB */
    b4(c, (uint32_t)disp);
}

/* A VEX instruction on ymm registers: dst = op(src1 (vvvv), src2 (r/m)). */
static void vrr(code *c, int map, int pp, int op, int dst, int src1, int src2)
{
    vex(c, dst, 0, src2, map, 0, src1, 1, pp);
    b1(c, (unsigned)op);
    b1(c, (unsigned)(0xc0 | (dst & 7) << 3 | (src2 & 7)));
}

/* A VEX instruction with a memory operand [base + rcx * 2^scale] (index < 0: [base]). */
static void vrm(code *c, int map, int pp, int op, int dst, int src1, int base, int index, int scale)
{
    vex(c, dst, index < 0 ? 0 : index, base, map, 0, src1, 1, pp);
    b1(c, (unsigned)op);
    mem(c, dst, base, index, scale);
}

static void vcmp(code *c, int dst, int a, int b, int pred)
{
    vrr(c, 1, 1, 0xc2, dst, a, b);
    b1(c, (unsigned)pred);
}

/* dst = mask ? b : a (vblendvpd dst, a, b, mask) */
static void vblend(code *c, int dst, int a, int b, int mask)
{
    vex(c, dst, 0, b, 3, 0, a, 1, 1);
    b1(c, 0x4b);
    b1(c, (unsigned)(0xc0 | (dst & 7) << 3 | (b & 7)));
    b1(c, (unsigned)(mask << 4));
}

static void rex_w(code *c, int reg, int rm)
{
    b1(c, (unsigned)(0x48 | (reg & 8) >> 1 | (rm & 8) >> 3));
}

/* mov dst, [base + disp] */
static void load_ptr(code *c, int dst, int base, int disp)
{
    rex_w(c, dst, base);
    b1(c, 0x8b);
    b1(c, (unsigned)(2 << 6 | (dst & 7) << 3 | (base & 7)));
    b4(c, (uint32_t)disp);
}

static void push_pop(code *c, int r, bool push)
{
    if (r & 8) b1(c, 0x41);
    b1(c, (unsigned)((push ? 0x50 : 0x58) + (r & 7)));
}

/* ---- the compiler ---- */

typedef struct {
    int reg;  /* ymm holding the value, -1: not in one */
    int last; /* the last instruction reading it */
} value;

static bool is_bool_op(ks__jop op) { return op >= KS__J_GT; }

static int take_reg(bool *used)
{
    for (int r = 0; r < NVREG; r++)
        if (!used[r]) {
            used[r] = true;
            return r;
        }
    return -1;
}

/* A call's frame (KS__J_CALL): the ymm values live across it at [rsp + 32 r], the caller-saved
 * general registers after them. */
#define FRAME_GPR (NVREG * 32)
#define FRAME (FRAME_GPR + 8 * 10) /* (a multiple of 16) */
static const int caller_saved[] = {RAX, RCX, RDX, RSI, RDI, 8, 9, 10, R11};
#define NSAVED ((int)(sizeof caller_saved / sizeof *caller_saved))

/* d = fn(arg) through the SysV ABI, which keeps no vector register and only rbx, rbp, r12-r15:
 * the live values (used) and the general registers
 * are kept in the frame, the sign and zero constants made again after. */
static void emit_call(code *c, const bool *used, int d, int arg, const void *fn)
{
    for (int r = 0; r < NVREG; r++)
        if (used[r] && r != d) { /* vmovupd [rsp + 32 r], ymm_r */
            vex(c, r, 0, RSP, 1, 0, 0, 1, 1);
            b1(c, 0x11);
            mem_disp(c, r, RSP, 32 * r);
        }
    for (int k = 0; k < NSAVED; k++) { /* mov [rsp + ...], reg */
        rex_w(c, caller_saved[k], RSP), b1(c, 0x89);
        mem_disp(c, caller_saved[k], RSP, FRAME_GPR + 8 * k);
    }
    if (arg != 0) vrr(c, 1, 1, 0x28, 0, 0, arg); /* vmovapd ymm0, arg */
    b1(c, 0x48), b1(c, 0xb8);                    /* mov rax, fn */
    const uint64_t a = (uint64_t)(uintptr_t)fn;
    b4(c, (uint32_t)a), b4(c, (uint32_t)(a >> 32));
    b1(c, 0xff), b1(c, 0xd0);                /* call rax */
    if (d != 0) vrr(c, 1, 1, 0x28, d, 0, 0); /* vmovapd d, ymm0 */
    for (int r = 0; r < NVREG; r++)
        if (used[r] && r != d) { /* vmovupd ymm_r, [rsp + 32 r] */
            vex(c, r, 0, RSP, 1, 0, 0, 1, 1);
            b1(c, 0x10);
            mem_disp(c, r, RSP, 32 * r);
        }
    for (int k = 0; k < NSAVED; k++) { /* mov reg, [rsp + ...] */
        rex_w(c, caller_saved[k], RSP), b1(c, 0x8b);
        mem_disp(c, caller_saved[k], RSP, FRAME_GPR + 8 * k);
    }
    vrr(c, 1, 1, 0x76, YM_SIGN, YM_SIGN, YM_SIGN); /* vpcmpeqd: all ones */
    vex(c, 6, 0, YM_SIGN, 1, 0, YM_SIGN, 1, 1);    /* vpsllq ymm14, ymm14, 63: -0.0 */
    b1(c, 0x73), b1(c, (unsigned)(0xc0 | 6 << 3 | (YM_SIGN & 7))), b1(c, 63);
    vrr(c, 1, 1, 0x57, YM_ZERO, YM_ZERO, YM_ZERO); /* vxorpd */
}

/* One iteration's instructions over the 4 elements at rcx (the pointers in ptr_regs: inputs, then
 * outputs), values in ymm0 .. nvreg-1; *root: the register left holding the last instruction's
 * value. 0, or -1 where the registers do not suffice. */
static int emit_body(code *c, const ks__jit_instr *ins, int nins, const ks__jit_input *in, int nin,
                     int nvreg, int *root)
{
    /* liveness: the last reader of each instruction's value and of each input */
    value v[KS__JIT_MAXINS];
    int in_last[KS__JIT_MAXINS];
    for (int k = 0; k < nin; k++) in_last[k] = -1;
    for (int j = 0; j < nins; j++) v[j].reg = -1, v[j].last = j;
    for (int j = 0; j < nins; j++)
        for (int a = 0; a < ins[j].narg; a++) {
            const int s = ins[j].src[a];
            if (s < 0)
                in_last[-1 - s] = j;
            else
                v[s].last = j;
        }
    bool used[NVREG] = {false};
    for (int r = nvreg; r < NVREG; r++) used[r] = true;
    int in_reg[KS__JIT_MAXINS]; /* an input loaded once per iteration, kept to its last use */
    for (int k = 0; k < nin; k++) in_reg[k] = -1;
    for (int j = 0; j < nins; j++) {
        const ks__jit_instr *t = &ins[j];
        int r[3];
        for (int a = 0; a < t->narg; a++) {
            const int s = t->src[a];
            if (s >= 0) {
                r[a] = v[s].reg;
                continue;
            }
            const int k = -1 - s;
            if (in_reg[k] < 0) {
                if ((in_reg[k] = take_reg(used)) < 0) return -1;
                const int base = ptr_regs[k];
                if (in[k].is_bool) { /* vpmovzxbq ymm, [base + rcx]; vpcmpgtq ymm, ymm, zero */
                    vrm(c, 2, 1, 0x32, in_reg[k], 0, base, RCX, 0);
                    vrr(c, 2, 1, 0x37, in_reg[k], in_reg[k], YM_ZERO);
                } else if (in[k].scalar) { /* vbroadcastsd */
                    vrm(c, 2, 1, 0x19, in_reg[k], 0, base, -1, 0);
                } else { /* vmovupd */
                    vrm(c, 1, 1, 0x10, in_reg[k], 0, base, RCX, 3);
                }
            }
            r[a] = in_reg[k];
        }
        const int d = take_reg(used);
        if (d < 0) return -1;
        v[j].reg = d;
        *root = d;
        switch (t->op) {
        case KS__J_ADD: vrr(c, 1, 1, 0x58, d, r[0], r[1]); break;
        case KS__J_MUL: vrr(c, 1, 1, 0x59, d, r[0], r[1]); break;
        case KS__J_SUB: vrr(c, 1, 1, 0x5c, d, r[0], r[1]); break;
        case KS__J_DIV: vrr(c, 1, 1, 0x5e, d, r[0], r[1]); break;
        case KS__J_SQRT: vrr(c, 1, 1, 0x51, d, 0, r[0]); break;
        case KS__J_SQUARE: vrr(c, 1, 1, 0x59, d, r[0], r[0]); break;
        case KS__J_NEG: vrr(c, 1, 1, 0x57, d, r[0], YM_SIGN); break; /* xor the sign */
        case KS__J_ABS: vrr(c, 1, 1, 0x55, d, YM_SIGN, r[0]); break; /* andn the sign */
        case KS__J_COPY: vrr(c, 1, 1, 0x56, d, r[0], r[0]); break;   /* or with itself */
        case KS__J_MAX:
        case KS__J_MIN: /* a > b (a < b) or a is NaN: a, else b. vmaxpd a, b is a > b ? a : b
                           with b for a NaN: a NaN a is put back. */
            vcmp(c, YM_SCRATCH, r[0], r[0], 0x03);
            vrr(c, 1, 1, t->op == KS__J_MAX ? 0x5f : 0x5d, d, r[0], r[1]);
            vblend(c, d, d, r[0], YM_SCRATCH);
            break;
        case KS__J_GT: vcmp(c, d, r[0], r[1], 0x1e); break;
        case KS__J_GE: vcmp(c, d, r[0], r[1], 0x1d); break;
        case KS__J_LT: vcmp(c, d, r[0], r[1], 0x11); break;
        case KS__J_LE: vcmp(c, d, r[0], r[1], 0x12); break;
        case KS__J_EQ: vcmp(c, d, r[0], r[1], 0x00); break;
        case KS__J_NE: vcmp(c, d, r[0], r[1], 0x04); break;
        case KS__J_AND: vrr(c, 1, 1, 0x54, d, r[0], r[1]); break;
        case KS__J_OR: vrr(c, 1, 1, 0x56, d, r[0], r[1]); break;
        case KS__J_XOR: vrr(c, 1, 1, 0x57, d, r[0], r[1]); break;
        case KS__J_NOT: /* all ones, xor */
            vcmp(c, YM_SCRATCH, YM_ZERO, YM_ZERO, 0x0f);
            vrr(c, 1, 1, 0x57, d, r[0], YM_SCRATCH);
            break;
        case KS__J_WHERE: vblend(c, d, r[2], r[1], r[0]); break;
        case KS__J_CALL: emit_call(c, used, d, r[0], t->fn); break;
        default: return -1;
        }
        /* free what this instruction read last */
        for (int a = 0; a < t->narg; a++) {
            const int s = t->src[a];
            if (s >= 0 && v[s].last == j && v[s].reg >= 0) {
                used[v[s].reg] = false;
                v[s].reg = -1;
            } else if (s < 0 && in_last[-1 - s] == j && in_reg[-1 - s] >= 0) {
                used[in_reg[-1 - s]] = false;
                in_reg[-1 - s] = -1;
            }
        }
        if (t->store) { /* stored now; its register freed once read for the last time */
            const int base = ptr_regs[nin + t->out];
            if (is_bool_op(t->op)) {
                vex(c, RAX, 0, d, 1, 0, 0, 1, 1); /* vmovmskpd eax, ymm */
                b1(c, 0x50);
                b1(c, (unsigned)(0xc0 | (d & 7)));
                b1(c, 0x41), b1(c, 0x8b), b1(c, 0x04), b1(c, 0x83); /* mov eax, [r11+rax*4] */
                if (base & 8) b1(c, 0x41);                          /* mov [base + rcx], eax */
                b1(c, 0x89);
                mem(c, RAX, base, RCX, 0);
            } else {
                vrm(c, 1, 1, 0x11, d, 0, base, RCX, 3); /* vmovupd [base + rcx * 8], ymm */
            }
        }
        if (v[j].last == j) { /* read by nothing later in the run */
            used[d] = false;
            v[j].reg = -1;
        }
    }
    return 0;
}

static void add_rcx4(code *c)
{
    b1(c, 0x48), b1(c, 0x83), b1(c, 0xc1), b1(c, 0x04); /* add rcx, 4 */
}

/* add r, imm8 */
static void add_imm8(code *c, int r, int imm)
{
    rex_w(c, 0, r);
    b1(c, 0x83), b1(c, (unsigned)(0xc0 | (r & 7))), b1(c, (unsigned)imm);
}

/* A conditional jump (0F cc) back to `to`. */
static void jump_back(code *c, int cc, size_t to)
{
    b1(c, 0x0f), b1(c, (unsigned)cc);
    b4(c, (uint32_t)(int32_t)((long)to - (long)(c->n + 4)));
}

/* The rel32 at `at` pointed to here. */
static void patch(code *c, size_t at)
{
    if (c->bad) return;
    const uint32_t rel = (uint32_t)(c->n - (at + 4));
    memcpy(c->p + at, &rel, 4);
}

/* A 128-bit (L = 0) VEX instruction on xmm registers: dst = op(src1 (vvvv), src2 (r/m)). */
static void vrr128(code *c, int map, int pp, int op, int dst, int src1, int src2)
{
    vex(c, dst, 0, src2, map, 0, src1, 0, pp);
    b1(c, (unsigned)op);
    b1(c, (unsigned)(0xc0 | (dst & 7) << 3 | (src2 & 7)));
}

static int compile(const ks__jit_instr *ins, int nins, const ks__jit_input *in, int nin,
                   ks__jit_mode mode, ks__jit_code *out)
{
    memset(out, 0, sizeof *out);
    const bool sum = mode == KS__JIT_SUM;
    int nout = sum ? 2 : 0;
    for (int j = 0; j < nins; j++) nout += ins[j].store;
    if (nin + nout > NPTR || nins < 1 || nins > KS__JIT_MAXINS || nin > KS__JIT_MAXINS) return -1;
    for (int k = 0; k < nin; k++)
        if (in[k].is_bool && in[k].scalar) return -1;
    if (sum && (is_bool_op(ins[nins - 1].op) || nout != 2)) return -1;
    for (int j = 0; sum && j < nins;
         j++) /* (a summed call did not scale: fuse.c's jit_sum_build) */
        if (ins[j].op == KS__J_CALL) return -1;
    const size_t cap = 4096 + (size_t)nins * (sum ? 128 : 64);
    unsigned char *buf =
        mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) return -1;
    code c = {buf, 0, cap, false};

    /* pointers: inputs, then outputs, into ptr_regs */
    const int nptr = nin + nout;
    for (int k = 0; k < nptr; k++)
        if (ptr_regs[k] == RBX || ptr_regs[k] >= 12 || ptr_regs[k] == RBP)
            push_pop(&c, ptr_regs[k], true);
    /* rax = in, r11 = out (the argument registers rdi and rsi may hold pointers next) */
    /* a call's frame, rsp then 16-aligned (entry: 8 mod 16, then the pushes) */
    bool calls = false;
    int npush = 0;
    for (int j = 0; j < nins; j++) calls = calls || ins[j].op == KS__J_CALL;
    for (int k = 0; k < nptr; k++)
        npush += ptr_regs[k] == RBX || ptr_regs[k] >= 12 || ptr_regs[k] == RBP;
    const int32_t frame = calls ? FRAME + (npush % 2 ? 0 : 8) : 0;
    if (calls) b1(&c, 0x48), b1(&c, 0x81), b1(&c, 0xec), b4(&c, (uint32_t)frame); /* sub rsp */
    b1(&c, 0x48), b1(&c, 0x89), b1(&c, 0xf8); /* mov rax, rdi */
    b1(&c, 0x49), b1(&c, 0x89), b1(&c, 0xf3); /* mov r11, rsi */
    for (int k = 0; k < nin; k++) load_ptr(&c, ptr_regs[k], RAX, 8 * k);
    for (int k = 0; k < nout; k++) load_ptr(&c, ptr_regs[nin + k], R11, 8 * k);
    vex(&c, YM_SIGN, 0, 0, 2, 0, 0, 1, 1); /* vbroadcastsd ymm14, [rip + the constant] */
    b1(&c, 0x19);
    b1(&c, (unsigned)((YM_SIGN & 7) << 3 | 5));
    const size_t sign_at = c.n;
    b4(&c, 0);
    vrr(&c, 1, 1, 0x57, YM_ZERO, YM_ZERO, YM_ZERO); /* vxorpd ymm15, ymm15, ymm15 */
    b1(&c, 0x4c), b1(&c, 0x8d), b1(&c, 0x1d);       /* lea r11, [rip + the bytes table] */
    const size_t table_at = c.n;
    b4(&c, 0);
    b1(&c, 0x31), b1(&c, 0xc9); /* xor ecx, ecx */
    int ok, root = -1;
    if (!sum) {
        b1(&c, 0x48), b1(&c, 0x83), b1(&c, 0xe2), b1(&c, 0xfc); /* and rdx, -4 */
        b1(&c, 0x48), b1(&c, 0x85), b1(&c, 0xd2);               /* test rdx, rdx */
        b1(&c, 0x0f), b1(&c, 0x84);                             /* jz end */
        const size_t jz_at = c.n;
        b4(&c, 0);
        const size_t loop = c.n;
        ok = emit_body(&c, ins, nins, in, nin, NVREG, &root);
        add_rcx4(&c);
        b1(&c, 0x48), b1(&c, 0x39), b1(&c, 0xd1); /* cmp rcx, rdx */
        jump_back(&c, 0x82, loop);                /* jb loop */
        patch(&c, jz_at);
    } else {
        /* blocks: rdx = the end of the lengths (out[1]); per block rax = its end element */
        const int res = ptr_regs[nin], lens = ptr_regs[nin + 1];
        b1(&c, 0x48), b1(&c, 0xc1), b1(&c, 0xe2), b1(&c, 0x03); /* shl rdx, 3 */
        rex_w(&c, lens, RDX), b1(&c, 0x01);                     /* add rdx, lens */
        b1(&c, (unsigned)(0xc0 | (lens & 7) << 3 | RDX));
        rex_w(&c, RDX, lens), b1(&c, 0x39); /* cmp lens, rdx */
        b1(&c, (unsigned)(0xc0 | RDX << 3 | (lens & 7)));
        b1(&c, 0x0f), b1(&c, 0x83); /* jae end */
        const size_t jae_at = c.n;
        b4(&c, 0);
        const size_t block = c.n;
        rex_w(&c, RAX, lens), b1(&c, 0x8b); /* mov rax, [lens] */
        mem(&c, RAX, lens, -1, 0);
        b1(&c, 0x48), b1(&c, 0x01), b1(&c, 0xc8); /* add rax, rcx */
        /* the accumulators: -0.0, which adds as nothing (NumPy starts from the values) */
        vrr(&c, 1, 1, 0x56, ACC_LO, YM_SIGN, YM_SIGN);
        vrr(&c, 1, 1, 0x56, ACC_HI, YM_SIGN, YM_SIGN);
        const size_t loop = c.n;
        /* elements i + 0..3 into r[0..3] (ACC_LO), i + 4..7 into r[4..7] (ACC_HI) */
        ok = emit_body(&c, ins, nins, in, nin, NVREG - 2, &root);
        vrr(&c, 1, 1, 0x58, ACC_LO, ACC_LO, root < 0 ? 0 : root);
        add_rcx4(&c);
        if (!ok) ok = emit_body(&c, ins, nins, in, nin, NVREG - 2, &root);
        vrr(&c, 1, 1, 0x58, ACC_HI, ACC_HI, root < 0 ? 0 : root);
        add_rcx4(&c);
        b1(&c, 0x48), b1(&c, 0x39), b1(&c, 0xc1); /* cmp rcx, rax */
        jump_back(&c, 0x82, loop);                /* jb loop */
        /* ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) into *res */
        vrr(&c, 1, 1, 0x7c, 0, ACC_LO, ACC_HI); /* vhaddpd: r0+r1, r4+r5, r2+r3, r6+r7 */
        vex(&c, 0, 0, 1, 3, 0, 0, 1, 1);        /* vextractf128 xmm1, ymm0, 1 */
        b1(&c, 0x19), b1(&c, 0xc1), b1(&c, 1);
        vrr128(&c, 1, 1, 0x58, 0, 0, 1); /* vaddpd xmm0, xmm0, xmm1 */
        vex(&c, 1, 0, 0, 3, 0, 0, 0, 1); /* vpermilpd xmm1, xmm0, 1 */
        b1(&c, 0x05), b1(&c, 0xc8), b1(&c, 1);
        vrr128(&c, 1, 3, 0x58, 0, 0, 1);   /* vaddsd xmm0, xmm0, xmm1 */
        vex(&c, 0, 0, res, 1, 0, 0, 0, 3); /* vmovsd [res], xmm0 */
        b1(&c, 0x11);
        mem(&c, 0, res, -1, 0);
        add_imm8(&c, res, 8);
        add_imm8(&c, lens, 8);
        rex_w(&c, RDX, lens), b1(&c, 0x39); /* cmp lens, rdx */
        b1(&c, (unsigned)(0xc0 | RDX << 3 | (lens & 7)));
        jump_back(&c, 0x82, block); /* jb block */
        patch(&c, jae_at);
    }
    b1(&c, 0xc5), b1(&c, 0xf8), b1(&c, 0x77); /* vzeroupper */
    if (calls) b1(&c, 0x48), b1(&c, 0x81), b1(&c, 0xc4), b4(&c, (uint32_t)frame); /* add rsp */
    for (int k = nptr; k-- > 0;)
        if (ptr_regs[k] == RBX || ptr_regs[k] >= 12 || ptr_regs[k] == RBP)
            push_pop(&c, ptr_regs[k], false);
    b1(&c, 0xc3);
    while (c.n % 8) b1(&c, 0xcc);
    patch(&c, sign_at);
    b4(&c, 0), b4(&c, 0x80000000u); /* -0.0 */
    patch(&c, table_at);
    for (unsigned m = 0; m < 16; m++) /* a 4-lane mask -> its lanes as 0/1 bytes */
        b4(&c, (m & 1) | (m & 2) << 7 | (m & 4) << 14 | (m & 8) << 21);
    if (ok || c.bad || mprotect(buf, cap, PROT_READ | PROT_EXEC)) {
        munmap(buf, cap);
        return -1;
    }
    out->fn = (ks__jit_fn)(void *)buf;
    out->size = cap;
    return 0;
}

/* ---- the cache: a program's passes are rebuilt on every run, and compiling costs ~15 us, so
   each run's code is kept, process-wide, for the next run with the same operations and inputs
   (CACHE of them, never freed; past that, code is compiled per run and freed after it) ---- */

#define CACHE 256
static struct {
    atomic_flag lock;
    int n;
    struct entry {
        uint64_t hash;
        int nins, nin;
        ks__jit_mode mode;
        ks__jit_instr ins[KS__JIT_MAXINS];
        ks__jit_input in[KS__JIT_MAXINS];
        ks__jit_fn fn;
    } e[CACHE];
} cache = {ATOMIC_FLAG_INIT, 0, {{0}}};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3u;
    return h;
}

int ks__jit_compile(const ks__jit_instr *ins, int nins, const ks__jit_input *in, int nin,
                    ks__jit_mode mode, ks__jit_code *out)
{
    memset(out, 0, sizeof *out);
    if (nins < 1 || nins > KS__JIT_MAXINS || nin < 0 || nin > KS__JIT_MAXINS) return -1;
    const size_t bi = (size_t)nins * sizeof *ins, bn = (size_t)nin * sizeof *in;
    const uint64_t h = fnv(fnv(fnv(0xcbf29ce484222325u, &mode, sizeof mode), ins, bi), in, bn);
    while (atomic_flag_test_and_set_explicit(&cache.lock, memory_order_acquire)) {
    }
    for (int k = 0; k < cache.n && !out->fn; k++) {
        const struct entry *e = &cache.e[k];
        if (e->hash == h && e->nins == nins && e->nin == nin && e->mode == mode &&
            !memcmp(e->ins, ins, bi) && !memcmp(e->in, in, bn))
            out->fn = e->fn, out->cached = true;
    }
    int rc = 0;
    if (!out->fn && !(rc = compile(ins, nins, in, nin, mode, out)) && cache.n < CACHE) {
        struct entry *e = &cache.e[cache.n++];
        e->hash = h, e->nins = nins, e->nin = nin, e->mode = mode, e->fn = out->fn;
        memcpy(e->ins, ins, bi);
        memcpy(e->in, in, bn);
        out->cached = true;
    }
    atomic_flag_clear_explicit(&cache.lock, memory_order_release);
    return rc;
}

void ks__jit_free(ks__jit_code *c)
{
    if (c->fn && !c->cached) munmap((void *)c->fn, c->size);
    memset(c, 0, sizeof *c);
}

bool ks__jit_available(void)
{
    static int avail = -1;
    if (avail < 0) {
        const char *e = getenv("KESTREL_FUSE_JIT");
        avail = __builtin_cpu_supports("avx2") && !(e && e[0] == '0');
    }
    return avail;
}

#else

int ks__jit_compile(const ks__jit_instr *ins, int nins, const ks__jit_input *in, int nin,
                    ks__jit_mode mode, ks__jit_code *out)
{
    (void)ins, (void)nins, (void)in, (void)nin, (void)mode;
    memset(out, 0, sizeof *out);
    return -1;
}

void ks__jit_free(ks__jit_code *c) { memset(c, 0, sizeof *c); }

bool ks__jit_available(void) { return false; }

#endif
