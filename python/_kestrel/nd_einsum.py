"""kestrel.nd.einsum and einsum_path: the subscript language and the contraction-path search.

The C library evaluates one einsum call (ks_array_einsum: operands contracted pairwise from the
left, each pair a broadcast product or a matrix product through BLAS). With optimize= (True,
'greedy', 'optimal', a (name, memory_limit) pair or an explicit ['einsum_path', ...] list) the
operands are contracted in the order einsum_path chooses, one C call per step. The search is
NumPy's: the cost of a step is the product of the lengths of its labels times the number of
terms (one more when something is summed), intermediates are limited to the largest operand or
output unless a memory limit is given; 'greedy' takes the pair that removes the most elements
(then the cheapest), 'optimal' tries every order. So the paths and the printed report are
NumPy's, which lets a user compare the two.
"""
import itertools as _it
import math as _math

from _kestrel._core import nd as _nd

_SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _interleaved(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [sublistout]) as (subscripts, operands)."""
    n = len(args) // 2
    ops, terms = list(args[0:2 * n:2]), list(args[1:2 * n:2])
    out = args[-1] if len(args) % 2 else None

    def letters(sub):
        s = ""
        for x in sub:
            if x is Ellipsis:
                s += "..."
            elif isinstance(x, int) and 0 <= x < 52:
                s += _SYMBOLS[x]
            else:
                raise ValueError("subscript is not within the valid range [0, 52)")
        return s
    sub = ",".join(letters(t) for t in terms)
    if out is not None:
        sub += "->" + letters(out)
    return sub, ops


def _split(operands):
    if not operands:
        raise ValueError("No input operands")
    if isinstance(operands[0], str):
        return operands[0].replace(" ", ""), list(operands[1:])
    return _interleaved(operands)


def _parse(subscripts, ops):
    """(input terms, output term) with every '...' replaced by letters the subscripts do not use,
    and the implicit output made explicit, as NumPy's einsum_path sees them."""
    if "->" in subscripts:
        ins, out = subscripts.split("->", 1)
    else:
        ins, out = subscripts, None
    terms = ins.split(",")
    if len(terms) != len(ops):
        raise ValueError("Number of einsum subscripts must be equal to the number of operands.")
    for c in subscripts.replace(",", "").replace("->", "").replace(".", ""):
        if c not in _SYMBOLS:
            raise ValueError(f"invalid subscript '{c}' in einstein sum subscripts string, "
                             "subscripts must be letters")
    unused = [c for c in _SYMBOLS if c not in subscripts]
    nell = 0
    for k, t in enumerate(terms):
        if "..." in t:
            e = ops[k].ndim - (len(t) - 3)
            if e < 0:
                raise ValueError("einstein sum subscripts string contains too many subscripts "
                                 f"for operand {k}")
            nell = max(nell, e)
    ell = "".join(unused[:nell])
    for k, t in enumerate(terms):
        if "..." in t:
            e = ops[k].ndim - (len(t) - 3)
            terms[k] = t.replace("...", ell[nell - e:] if e else "")
        if len(terms[k]) != ops[k].ndim:
            raise ValueError("operand has more dimensions than subscripts given in einstein sum, "
                             "but no '...' ellipsis provided to broadcast the extra dimensions.")
    if out is None:
        counts = {}
        for c in "".join(terms):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    else:
        if nell and "..." not in out:
            raise ValueError("output has more dimensions than subscripts given in einstein sum, "
                             "but no '...' ellipsis provided to broadcast the extra dimensions.")
        out = out.replace("...", ell)
    return terms, out


def _size(labels, dims):
    return _math.prod(dims[c] for c in labels)


def _flops(labels, summed, nterms, dims):
    return _size(labels, dims) * (max(1, nterms - 1) + (1 if summed else 0))


def _contract(positions, sets, out):
    """The result labels of contracting sets[positions], the sets that remain (it last), the
    labels it sums away and the labels it involves."""
    involved, keep, rest = set(), set(out), []
    for k, s in enumerate(sets):
        if k in positions:
            involved |= s
        else:
            rest.append(s)
            keep |= s
    result = keep & involved
    rest.append(result)
    return result, rest, involved - result, involved


def _optimal(sets, out, dims, limit):
    states = [(0, [], sets)]
    for it in range(len(sets) - 1):
        nxt = []
        for cost, path, cur in states:
            for pos in _it.combinations(range(len(sets) - it), 2):
                res, rest, removed, involved = _contract(pos, cur, out)
                if _size(res, dims) > limit:
                    continue
                nxt.append((cost + _flops(involved, removed, 2, dims), path + [pos], rest))
        if not nxt:
            return min(states, key=lambda s: s[0])[1] + [tuple(range(len(sets) - it))]
        states = nxt
    return min(states, key=lambda s: s[0])[1]


def _greedy(sets, out, dims, limit):
    if len(sets) <= 2:
        return [tuple(range(len(sets)))]
    _, _, removed, involved = _contract(range(len(sets)), sets, out)
    naive = _flops(involved, removed, len(sets), dims)
    spent, path = 0, []

    def candidate(pos, cur):
        res, rest, removed, involved = _contract(pos, cur, out)
        size = _size(res, dims)
        if size > limit:
            return None
        cost = _flops(involved, removed, 2, dims)
        if spent + cost > naive:
            return None
        return [(size - sum(_size(cur[p], dims) for p in pos), cost), pos, rest]

    known, pairs = [], _it.combinations(range(len(sets)), 2)
    for _ in range(len(sets) - 1):
        for pos in pairs:
            if not sets[pos[0]].isdisjoint(sets[pos[1]]):
                c = candidate(pos, sets)
                if c is not None:
                    known.append(c)
        if not known:  # nothing shares a label: outer products, still within the limits
            known = [c for c in (candidate(p, sets) for p in _it.combinations(range(len(sets)), 2))
                     if c is not None]
            if not known:
                path.append(tuple(range(len(sets))))
                break
        best = min(known, key=lambda c: c[0])
        bx, by = best[1]
        moved = []
        for key, (x, y), rest in known:  # the other candidates, renumbered after the step
            if x in best[1] or y in best[1]:
                continue
            del rest[by - (by > x) - (by > y)]
            del rest[bx - (bx > x) - (bx > y)]
            rest.insert(-1, best[2][-1])
            moved.append((key, (x - (x > bx) - (x > by), y - (y > bx) - (y > by)), rest))
        known, sets = moved, best[2]
        new = len(sets) - 1
        pairs = ((i, new) for i in range(new))
        path.append(best[1])
        spent += best[0][1]
    return path


def _plan(subscripts, ops, optimize):
    """(path, steps, report): steps are (positions, 'in,in->out') in the order to run them."""
    limit = None
    explicit = False
    if optimize is True:
        optimize = "greedy"
    if optimize is None:
        optimize = False
    if optimize is False or isinstance(optimize, str):
        pass
    elif len(optimize) and optimize[0] == "einsum_path":
        explicit = True
    elif (len(optimize) == 2 and isinstance(optimize[0], str)
          and isinstance(optimize[1], (int, float))):
        optimize, limit = optimize[0], int(optimize[1])
    else:
        raise TypeError(f"Did not understand the path: {optimize}")
    terms, out = _parse(subscripts, ops)
    sets = [set(t) for t in terms]
    labels = set("".join(terms))
    dims = {}
    for k, t in enumerate(terms):
        for c, n in zip(t, ops[k].shape):
            if dims.get(c, 1) == 1:
                dims[c] = n
            elif n not in (1, dims[c]):
                raise ValueError(f"Size of label '{c}' for operand {k} ({dims[c]}) does not "
                                 f"match previous terms ({n}).")
    if limit is None:
        limit = max(_size(t, dims) for t in terms + [out])
    if explicit:
        path = [tuple(p) for p in optimize[1:]]
    elif optimize is False or len(terms) <= 2 or labels == set(out):
        path = [tuple(range(len(terms)))]
    elif optimize == "greedy":
        path = _greedy(sets, set(out), dims, limit)
    elif optimize == "optimal":
        path = _optimal(sets, set(out), dims, limit)
    else:
        raise KeyError("Path name %s not found", optimize)
    steps, costs, scales, sizes = [], [], [], []
    names = list(terms)
    for n, pos in enumerate(path):
        pos = tuple(sorted(pos, reverse=True))
        res, sets, removed, involved = _contract(pos, sets, set(out))
        costs.append(_flops(involved, removed, len(pos), dims))
        scales.append(len(involved))
        sizes.append(_size(res, dims))
        ins = [names.pop(p) for p in pos]
        # an intermediate's labels by length, then letter (NumPy's order)
        r = out if n == len(path) - 1 else "".join(c for _, c in sorted((dims[c], c) for c in res))
        names.append(r)
        steps.append((pos, ",".join(ins) + "->" + r, list(names)))
    if len(names) != 1:
        raise RuntimeError(f"Invalid einsum_path is specified: {len(names) - 1} more operands "
                           "has to be contracted.")
    whole = ",".join(terms) + "->" + out
    summed = sum(len(set(t)) for t in terms) - len(labels) > 0
    naive = _flops(labels, summed, len(terms), dims)
    opt = sum(costs) + 1
    report = (f"  Complete contraction:  {whole}\n"
              f"         Naive scaling:  {len(labels)}\n"
              f"     Optimized scaling:  {max(scales)}\n"
              f"      Naive FLOP count:  {naive:.3e}\n"
              f"  Optimized FLOP count:  {opt:.3e}\n"
              f"   Theoretical speedup:  {naive / opt:3.3f}\n"
              f"  Largest intermediate:  {max(sizes):.3e} elements\n"
              + "-" * 74 + "\n" + "%6s %24s %40s\n" % ("scaling", "current", "remaining")
              + "-" * 74)
    for n, (_, s, rest) in enumerate(steps):
        report += "\n%4d    %24s %40s" % (scales[n], s, ",".join(rest) + "->" + out)
    return ["einsum_path"] + path, steps, report


def _asarrays(ops):
    from kestrel import nd
    return [nd.asarray(x) for x in ops]


def einsum_path(*operands, optimize="greedy", einsum_call=False):
    """NumPy's einsum_path: (['einsum_path', (i, j), ...], a printable report of each step's
    scaling, its subscripts and what remains) for contracting the operands in that order."""
    subscripts, ops = _split(operands)
    path, _, report = _plan(subscripts, _asarrays(ops), optimize)
    return path, report


def einsum(*operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    """np.einsum(subscripts, *operands) (or the interleaved form op, sublist, ...): see
    ks_array_einsum. optimize= contracts in the order einsum_path finds (one call per step).
    The result is always a new C-ordered array (NumPy returns a view for a pure transpose or
    diagonal); order= is accepted for NumPy's signature."""
    from kestrel import nd
    subscripts, ops = _split(operands)
    ops = _asarrays(ops)
    if dtype is not None:
        ops = [nd.astype(x, dtype) if nd.can_cast(x.dtype, dtype, casting) else
               _cast_error(x.dtype, dtype, casting) for x in ops]
    if optimize is False or optimize is None or len(ops) <= 2:
        res = _nd.einsum(subscripts, ops)
    else:
        _, steps, _ = _plan(subscripts, ops, optimize)
        for pos, s, _ in steps:
            ins = [ops.pop(p) for p in pos]
            ops.append(_nd.einsum(s, ins))
        res = ops[0]
    if out is not None:
        if tuple(out.shape) != tuple(res.shape):
            raise ValueError(f"non-broadcastable output operand with shape {tuple(out.shape)} "
                             f"doesn't match the broadcast shape {tuple(res.shape)}")
        out[...] = res
        return out
    return res


def _cast_error(frm, to, casting):
    raise TypeError(f"Cannot cast array data from dtype('{frm}') to dtype('{to}') according to "
                    f"the rule '{casting}'")
