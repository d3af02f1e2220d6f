/* parallel.h — a parallel loop over n tasks, each with its own ctx for its error message, for
 * work that does not split into equal chunks (files, traits, pairs). Results never depend on
 * the number of threads: each task writes only its own outputs, and failures are reported in
 * task order. */
#ifndef KS_BASE_PARALLEL_H
#define KS_BASE_PARALLEL_H

#include "base/base_internal.h"

/* One task: i in [0, n), tid the thread's number (below ks__parallel_threads' count, for
 * per-thread scratch), sub a copy of the caller's ctx that takes the task's error. */
typedef int (*ks__task_fn)(ks_ctx *sub, size_t i, int tid, void *arg);

/* The threads for n tasks that take about `ns` nanoseconds on one thread (ks__threads_for;
 * INFINITY when unknown: all the ctx allows), at most n. */
int ks__parallel_threads(const ks_ctx *ctx, size_t n, double ns);

/* fn(sub, i, tid, arg) for each i in [0, n), in parallel over ks__parallel_threads(ctx, n, ns)
 * threads, one task at a time per thread (dynamic schedule). Returns the first failure's code
 * (in task order) with its message in ctx; st (n entries, or NULL) gets each task's status,
 * for callers that undo the ones that ran. */
int ks__parallel_each(ks_ctx *ctx, size_t n, double ns, ks__task_fn fn, void *arg, int *st);

#endif
