"""kestrel.nd.fuse: a function of arrays traced once per signature into a fused program.

    >>> from kestrel import nd
    >>> @nd.fuse
    ... def sigmoid(x):
    ...     return 1.0 / (1.0 + nd.exp(-x))

The first call with a given signature (each array argument's dtype and shape, each Python
scalar's type, the other arguments' values) runs the function once on traced values, which
record the operations into a C program (ks_fused); later calls run that program on the new
arguments. The program evaluates each element-wise chain and each reduction over one in cache-
sized blocks, without temporaries, and its results are the function's own, bit for bit.

Inside a fused function: arithmetic and comparison operators, kestrel.nd's ufuncs (nd.exp,
nd.maximum, ...), nd.where, .astype, the reductions (.sum, nd.mean, .var, .std, .min, .max,
.prod, .any, .all with axis=, keepdims=, dtype=, ddof=), and the products of two chains (nd.dot,
.dot, nd.vdot, nd.inner, nd.matmul, @: each chain is evaluated whole, then the product's BLAS
call, so the sum's order is the plain call's). Arrays and scalars the function reads
from outside its arguments are copied into the program when it is traced, as constants. Control
flow on values (`if x.sum() > 0`), indexing and reshaping are not traced: they raise TypeError.
"""
import functools as _functools

from _kestrel._core import nd as _nd

_SCALARS = (bool, int, float, complex)


class _Trace:
    """One program being built."""

    def __init__(self):
        self.prog = _nd.fused_new()
        self.consts = {}

    def node(self, v):
        if isinstance(v, Traced):
            if v._trace is not self:
                raise TypeError("kestrel.nd.fuse: a traced value of another function")
            return v._id
        key = (type(v), v) if isinstance(v, _SCALARS) else None
        if key is not None and key in self.consts:
            return self.consts[key]
        try:
            i = _nd.fused_constant(self.prog, v)
        except (TypeError, ValueError) as e:
            raise TypeError(f"kestrel.nd.fuse: {type(v).__name__} is not an array or a "
                            f"number ({e})") from None
        if key is not None:
            self.consts[key] = i
        return i

    def wrap(self, i):
        return Traced(self, i)

    def ufunc(self, name, *args):
        ids = [self.node(a) for a in args]
        return self.wrap(_nd.fused_ufunc(self.prog, name, *ids))

    def reduce(self, name, a, axis=None, dtype=None, out=None, keepdims=False, ddof=0,
               where=None, initial=None):
        if out is not None or where is not None or initial is not None:
            raise TypeError(f"kestrel.nd.fuse: {name} with out=, where= or initial= is not "
                            "traced")
        return self.wrap(_nd.fused_reduce(self.prog, name, self.node(a), axis, dtype,
                                          bool(keepdims), ddof))

    def product(self, name, a, b):
        # (a Python number here is an array, as the products' asarray makes it: not weak)
        ids = [self.node(v if isinstance(v, Traced) else _nd.asarray(v)) for v in (a, b)]
        return self.wrap(_nd.fused_product(self.prog, name, *ids))


_PRODUCTS = ("dot", "vdot", "inner", "matmul")


def _hook(name, args, kwargs):
    """kestrel.nd's ufuncs, reduce, where and products, called with a traced value."""
    trace = next(a._trace for a in list(args) + list(kwargs.values()) if isinstance(a, Traced))
    if name == "reduce":
        return trace.reduce(*args, **kwargs)
    if name in _PRODUCTS:
        return trace.product(name, *args)
    if kwargs:
        raise TypeError(f"kestrel.nd.fuse: {name} with {', '.join(kwargs)}= is not traced")
    if name == "where":
        c, x, y = (trace.node(a) for a in args)
        return trace.wrap(_nd.fused_where(trace.prog, c, x, y))
    return trace.ufunc(name, *args)


def _binary(name):
    def op(self, other):
        return self._trace.ufunc(name, self, other)

    def rop(self, other):
        return self._trace.ufunc(name, other, self)
    return op, rop


def _unary(name):
    return lambda self: self._trace.ufunc(name, self)


def _reduction(name):
    def f(self, axis=None, dtype=None, out=None, keepdims=False, *, ddof=0, where=None,
          initial=None):
        return self._trace.reduce(name, self, axis, dtype, out, keepdims, ddof, where, initial)
    f.__name__ = name
    return f


class Traced:
    """A value inside a function being traced by kestrel.nd.fuse: it has a dtype and a shape,
    and records what is done to it."""

    __slots__ = ("_trace", "_id", "dtype", "shape", "_weak")
    __hash__ = None

    def __init__(self, trace, i):
        self._trace, self._id = trace, i
        self.dtype, self.shape, self._weak = _nd.fused_node(trace.prog, i)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: _functools.reduce(lambda a, b: a * b, self.shape, 1))

    def __repr__(self):
        return f"<traced {self.dtype} {self.shape}>"

    def astype(self, dtype, copy=True):
        if not copy and _nd.asarray(0, dtype).dtype == self.dtype:
            return self
        return self._trace.wrap(_nd.fused_astype(self._trace.prog, self._id, dtype))

    def _refuse(self, *args, **kwargs):
        raise TypeError("kestrel.nd.fuse: a traced value has no data while the function is "
                        "traced (no truth value, no conversion, no indexing); use nd.where for "
                        "a choice per element")

    def dot(self, b, out=None):
        if out is not None:
            raise TypeError("kestrel.nd.fuse: dot with out= is not traced")
        return self._trace.product("dot", self, b)

    def __matmul__(self, other):
        return self._trace.product("matmul", self, other)

    def __rmatmul__(self, other):
        return self._trace.product("matmul", other, self)

    __bool__ = __float__ = __int__ = __index__ = __complex__ = __len__ = __iter__ = _refuse
    __getitem__ = __setitem__ = __array__ = reshape = _refuse


for _name, _uf in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                   ("truediv", "divide"), ("floordiv", "floor_divide"), ("mod", "remainder"),
                   ("pow", "power"), ("and", "bitwise_and"), ("or", "bitwise_or"),
                   ("xor", "bitwise_xor"), ("lshift", "left_shift"), ("rshift", "right_shift")):
    _op, _rop = _binary(_uf)
    setattr(Traced, f"__{_name}__", _op)
    setattr(Traced, f"__r{_name}__", _rop)
for _name, _uf in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                   ("ge", "greater_equal"), ("eq", "equal"), ("ne", "not_equal")):
    setattr(Traced, f"__{_name}__", _binary(_uf)[0])
for _name, _uf in (("neg", "negative"), ("pos", "positive"), ("abs", "absolute"),
                   ("invert", "invert")):
    setattr(Traced, f"__{_name}__", _unary(_uf))
for _name in ("sum", "prod", "mean", "var", "std", "min", "max", "any", "all"):
    setattr(Traced, _name, _reduction(_name))
del _name, _uf, _op, _rop

_nd.set_tracer(Traced, _hook)


def _is_array(a):
    return hasattr(a, "dtype") and hasattr(a, "shape") and not isinstance(a, Traced)


class _Program:
    """One traced signature: its C program, its outputs' structure, its inputs' positions."""

    def __init__(self, fn, args, kwargs):
        trace = _Trace()
        self.slots = []  # positions of the arguments that are inputs
        targs = list(args)
        for k, a in enumerate(args):
            if _is_array(a):
                arr = _nd.asarray(a)
                i = _nd.fused_input(trace.prog, arr.dtype, arr.shape, False)
            elif isinstance(a, _SCALARS):
                i = _nd.fused_input(trace.prog, _nd.asarray(a).dtype, (), True)
            else:
                continue
            self.slots.append(k)
            targs[k] = trace.wrap(i)
        out = fn(*targs, **kwargs)
        self.single = not isinstance(out, (tuple, list))
        outs = [out] if self.single else list(out)
        self.kind = type(out)
        for o in outs:
            _nd.fused_output(trace.prog, trace.node(o))
        self.nout = len(outs)
        self.prog = trace.prog

    def __call__(self, args, fuse):
        res = _nd.fused_run(self.prog, tuple(args[k] for k in self.slots), self.nout, fuse)
        if self.single:
            return res[0]
        return list(res) if self.kind is list else res


def _signature(a):
    if _is_array(a):
        return ("array", str(a.dtype), tuple(a.shape))
    if isinstance(a, _SCALARS):
        return ("scalar", type(a))
    return ("static", a)


def fuse(fn=None):
    """Decorator: fn traced once per signature (array dtypes and shapes, scalar types, other
    arguments' values) into a fused program that evaluates its element-wise chains and their
    reductions in one blocked pass each; results identical to fn's own. The wrapper's
    `unfused(*args)` runs the same program one operation at a time (the plain calls)."""
    if fn is None:
        return fuse
    cache = {}

    def program(args, kwargs):
        key = tuple(_signature(a) for a in args) + tuple(sorted(kwargs.items()))
        p = cache.get(key)
        if p is None:
            p = cache[key] = _Program(fn, args, kwargs)
        return p

    @_functools.wraps(fn)
    def fused(*args, **kwargs):
        return program(args, kwargs)(args, True)

    def unfused(*args, **kwargs):
        return program(args, kwargs)(args, False)

    fused.unfused = unfused
    return fused
