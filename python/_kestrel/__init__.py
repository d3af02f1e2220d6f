"""kestrel's implementation: the C extension (_core) and the modules behind kestrel's public
API. Private: import kestrel (kestrel.did, kestrel.mars, kestrel.gsem) instead. It is a package of
its own, beside kestrel, so that help(kestrel) lists only the public modules (as pytest keeps its
internals in _pytest)."""
