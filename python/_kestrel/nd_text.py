"""kestrel.nd's delimited text files: loadtxt and savetxt with NumPy's arguments.

Parsing and formatting run in C (src/array/loadtxt.c over the table layer's reader, savetxt.c);
this module only shapes NumPy's arguments. A path is read or written by C itself (".gz" files
too); an open file object or a list of lines is read here whole and its bytes handed to C, and
savetxt's text for a file object comes back from C as bytes. Conversion runs in C only, so
`converters` (Python callables) are refused.
"""
import io as _io
import operator as _operator
import os as _os
import warnings as _warnings

from _kestrel._core import nd as _nd


def _text(x, what):
    if isinstance(x, bytes):
        return x.decode("latin1")
    if not isinstance(x, str):
        raise TypeError(f"{what} must be a str, not {type(x).__name__}")
    return x


def _usecols(usecols):
    if usecols is None:
        return None
    try:
        return [_operator.index(usecols)]
    except TypeError:
        pass
    cols = list(usecols)
    for c in cols:
        try:
            _operator.index(c)
        except TypeError:
            raise TypeError("usecols must be an int or a sequence of ints but it contains at "
                            f"least one element of type '{type(c).__name__}'") from None
    return [_operator.index(c) for c in cols]


def _source(fname, encoding):
    """(path or bytes, name for messages)."""
    if isinstance(fname, (str, _os.PathLike)):
        return _os.fsdecode(fname), _os.fsdecode(fname)
    if isinstance(fname, bytes):
        return _os.fsdecode(fname), _os.fsdecode(fname)
    enc = encoding or "utf-8"
    if hasattr(fname, "read"):
        data = fname.read()
        name = str(getattr(fname, "name", "<file>"))
    else:  # an iterable of lines
        lines = [ln.decode(enc) if isinstance(ln, bytes) else ln for ln in fname]
        data = "".join(ln if ln.endswith(("\n", "\r")) else ln + "\n" for ln in lines)
        name = "<lines>"
    return (data.encode(enc) if isinstance(data, str) else bytes(data)), name


def loadtxt(fname, dtype=float, comments="#", delimiter=None, converters=None, skiprows=0,
            usecols=None, unpack=False, ndmin=0, encoding=None, max_rows=None, *, quotechar=None,
            like=None):
    """np.loadtxt: a 1-d / 2-d array of one dtype from a text file (a path, an open file or a
    list of lines). Numbers parse as NumPy parses them; errors carry NumPy's text after the file
    and line ("data.txt:4: could not convert string 'x' to float64 at row 1, column 2.")."""
    if converters is not None:
        raise TypeError("kestrel.nd.loadtxt does not take converters: values are parsed in C; "
                        "parse the column yourself or pass dtype=")
    if like is not None:
        raise TypeError("kestrel.nd.loadtxt does not take like=")
    if ndmin not in (0, 1, 2):
        raise ValueError(f"Illegal value of ndmin keyword: {ndmin}")
    if comments is None:
        comments = []
    elif isinstance(comments, (str, bytes)):
        comments = [_text(comments, "comments")]
    else:
        comments = [_text(c, "comments") for c in comments]
    if delimiter is not None:
        delimiter = _text(delimiter, "delimiter")
        if len(delimiter) != 1:
            raise TypeError("Text reading control character must be a single unicode character "
                            f"or None; but got: {delimiter!r}")
    if quotechar is not None:
        quotechar = _text(quotechar, "quotechar")
        if len(quotechar) != 1:
            raise TypeError("Text reading control character must be a single unicode character "
                            f"or None; but got: {quotechar!r}")
    skiprows = _operator.index(skiprows)
    if skiprows < 0:
        raise ValueError("skiprows must not be negative")
    max_rows = -1 if max_rows is None else _operator.index(max_rows)
    cols = _usecols(usecols)
    src, name = _source(fname, encoding)
    arr = _nd.loadtxt(src, name, dtype, delimiter, comments, quotechar, skiprows, max_rows, cols,
                      ndmin, bool(unpack))
    if arr.size == 0 and (cols is None or cols):
        _warnings.warn(f'loadtxt: input contained no data: "{fname}"', UserWarning, stacklevel=2)
    return arr


def savetxt(fname, X, fmt="%.18e", delimiter=" ", newline="\n", header="", footer="",
            comments="# ", encoding=None):
    """np.savetxt: a 1-d (one value a line) or 2-d array as text, byte for byte NumPy's file; a
    path is written through a temporary file renamed when complete (gzip for ".gz")."""
    fmts = None
    if isinstance(fmt, (list, tuple)):
        fmts = [_text(f, "fmt") for f in fmt]
        fmt = ""
    else:
        fmt = _text(fmt, "fmt")
    args = (X, fmt, fmts, _text(delimiter, "delimiter"), _text(newline, "newline"),
            _text(header, "header"), _text(footer, "footer"), _text(comments, "comments"))
    if isinstance(fname, (str, bytes, _os.PathLike)):
        _nd.savetxt(_os.fsdecode(fname), *args)
        return
    if not hasattr(fname, "write"):
        raise ValueError("fname must be a string or file handle")
    data = _nd.savetxt(None, *args)
    if isinstance(fname, _io.TextIOBase):
        fname.write(data.decode(encoding or "utf-8"))
    else:
        fname.write(data)
