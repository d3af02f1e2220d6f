"""kestrel.nd's NumPy files: save / load of .npy, savez / savez_compressed / load of .npz.

The formats are read and written in C (src/array/npy.c, npz.c); this module only shapes the
arguments as NumPy's np.save, np.load, np.savez and np.savez_compressed take them. Files are
named by paths (str, bytes or os.PathLike); an open file object is refused with a TypeError.
"""
import os as _os

from _kestrel._core import nd as _nd

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"


def _path(file, what):
    if isinstance(file, (str, bytes, _os.PathLike)):
        return _os.fsdecode(file)
    raise TypeError(f"kestrel.nd.{what} takes a path (str or os.PathLike), not a "
                    f"{type(file).__name__}: file objects are not supported")


def save(file, arr, allow_pickle=True, fix_imports=True):
    """np.save: arr as a .npy file at `file` (".npy" appended when the name lacks it). The file is
    written to a temporary name and renamed when complete; NumPy reads it back."""
    path = _path(file, "save")
    if not path.endswith(".npy"):
        path += ".npy"
    _nd.save_npy(path, arr)


def _savez(file, args, kwds, compress, what):
    path = _path(file, what)
    if not path.endswith(".npz"):
        path += ".npz"
    names, arrays = [], []
    for i, a in enumerate(args):
        key = f"arr_{i}"
        if key in kwds:
            raise ValueError(f"Cannot use un-named variables and keyword {key}")
        names.append(key)
        arrays.append(a)
    for k, a in kwds.items():
        names.append(k)
        arrays.append(a)
    _nd.save_npz(path, names, arrays, compress)


def savez(file, *args, allow_pickle=True, **kwds):
    """np.savez: arrays in an uncompressed .npz archive, positional ones named arr_0, arr_1 ...,
    keyword ones by their keyword."""
    _savez(file, args, kwds, False, "savez")


def savez_compressed(file, *args, allow_pickle=True, **kwds):
    """np.savez_compressed: as savez, the members deflated."""
    _savez(file, args, kwds, True, "savez_compressed")


class NpzFile:
    """An open .npz archive as np.load returns it: `files` (the member names), `f[key]` loads a
    member (each time it is asked for), iteration and `in` over the names, a context manager;
    `close()` releases the file."""

    def __init__(self, path):
        self._z = _nd.npz_open(path)
        self.files = _nd.npz_files(self._z)
        self._keys = frozenset(self.files)
        self._path = path

    def __getitem__(self, key):
        if key not in self._keys and not (isinstance(key, str) and key.endswith(".npy")
                                          and key[:-4] in self._keys):
            raise KeyError(f"{key} is not a file in the archive")
        return _nd.npz_load(self._z, key)

    def __contains__(self, key):
        return key in self._keys

    def __iter__(self):
        return iter(self.files)

    def __len__(self):
        return len(self.files)

    def keys(self):
        return list(self.files)

    def values(self):
        return [self[k] for k in self.files]

    def items(self):
        return [(k, self[k]) for k in self.files]

    def get(self, key, default=None):
        return self[key] if key in self._keys else default

    def close(self):
        _nd.npz_close(self._z)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"NpzFile {self._path!r} with keys: {', '.join(self.files[:5])}" + (
            "..." if len(self.files) > 5 else "")


def load(file, mmap_mode=None, allow_pickle=False, fix_imports=True, encoding="ASCII", *,
         max_header_size=10000):
    """np.load: the array of a .npy file (memory-mapped with mmap_mode 'r', 'r+' or 'c': nothing
    is read until used; native byte order only), or an NpzFile for a .npz archive (mmap_mode is
    ignored there, as NumPy does). Pickled data (object arrays, pickle files) is never loaded,
    whatever allow_pickle says."""
    path = _path(file, "load")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic[:4] in _ZIP_MAGICS:
        return NpzFile(path)
    if magic == _NPY_MAGIC:
        return _nd.load_npy(path, mmap_mode)
    raise ValueError(f"{path}: neither a .npy file nor a .npz archive (kestrel does not load "
                     "pickled data)")
