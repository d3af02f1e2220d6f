"""The library's log notes in Python, the same way in every module: each binding hands back the
notes its C call logged as a list of (level, message) under "notes" (ks_py_collect_log); a
result keeps the messages as ``notes``, and ``warn_notes`` passes those at warning level on as
Python warnings pointed at the caller's line (the first frame outside kestrel)."""
from __future__ import annotations

import os
import sys
import warnings

from . import _core

_PKGS = tuple(os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep + d
              for d in ("_kestrel", "kestrel"))


def stacklevel():
    """The stacklevel that points a warning at the first frame outside kestrel and _kestrel."""
    level, f = 1, sys._getframe(1)
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) in _PKGS:
        f = f.f_back
        level += 1
    return level


def warn(msg, category=UserWarning):
    """A warning pointed at the caller's line."""
    warnings.warn(msg, category, stacklevel=stacklevel())


def messages(notes):
    """The notes' messages, in order."""
    return [msg for _, msg in notes]


def warn_notes(notes, category=UserWarning, skip=None):
    """Each note at warning level (KS_LOG_WARN and above) as a warning of `category`, but those
    for which skip(message) is true (notes a caller reports its own way)."""
    for level, msg in notes:
        if level >= _core.LOG_WARN and not (skip and skip(msg)):
            warn(msg, category)
