"""Where numba caches compiled kernels: one directory per version of the kernel sources.

numba's on-disk cache checks only the timestamp of the file a function is defined in, not the
globals it reads from other files (our layout constants).  Keying the cache directory by a
hash of every kernel source makes a stale cache impossible.  Must run before numba is imported.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def kernel_hash() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted([*(here / "kernels").glob("*.py"), here / "ensemble.py"]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def configure_numba_cache() -> None:
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    base = Path(os.environ.get("GREATGAME_CACHE", Path.home() / ".cache" / "greatgame"))
    os.environ["NUMBA_CACHE_DIR"] = str(base / "numba" / kernel_hash())
