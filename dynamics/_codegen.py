"""C code generation, compilation and on-disk caching of CasADi functions."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import casadi as ca

__all__ = ["CODE_VERSION", "CompileInfo", "build", "cache_key", "cache_root"]

#: Bump when the generated expressions or the build recipe change.
CODE_VERSION = "1"
_LIB_NAME = "cerebellum_casadi"


@dataclasses.dataclass(frozen=True)
class CompileInfo:
    """Result of a build: library path, whether the cache served it, wall time [s]."""

    library: Path
    cache_hit: bool
    seconds: float


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """``cache_dir``, else ``$CEREBELLUM_CACHE``, else ``~/.cache/cerebellum/casadi``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("CEREBELLUM_CACHE")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "cerebellum" / "casadi"


def cache_key(fingerprint: bytes, *, opt_level: str, with_jacobians: bool) -> str:
    """Hex digest over the model fingerprint, CasADi version, flags and code version."""
    h = hashlib.sha256()
    for part in (
        fingerprint,
        ca.__version__.encode(),
        CODE_VERSION.encode(),
        opt_level.encode(),
        b"jac" if with_jacobians else b"nojac",
    ):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()[:32]


def build(
    functions: Sequence[ca.Function],
    key: str,
    *,
    cache_dir: str | os.PathLike | None = None,
    opt_level: str = "-O1",
    with_jacobians: bool = False,
) -> CompileInfo:
    """Return ``<root>/<key>/cerebellum_casadi.so`` with ``functions``, compiling if absent.

    Compiles with ``gcc <opt_level> -shared -fPIC`` in a private temporary directory and moves
    the result into place with an atomic rename, so concurrent builders never see a partial file.
    """
    t0 = time.perf_counter()
    out_dir = cache_root(cache_dir) / key
    lib = out_dir / f"{_LIB_NAME}.so"
    if lib.is_file():
        return CompileInfo(lib, True, time.perf_counter() - t0)
    compiler = shutil.which(os.environ.get("CC", "gcc"))
    if compiler is None:
        raise RuntimeError("no C compiler found (set $CC or install gcc)")
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    try:
        gen = ca.CodeGenerator(f"{_LIB_NAME}.c", {"with_header": False})
        for f in functions:
            gen.add(f)
            if with_jacobians:
                gen.add(f.jacobian())
        gen.generate(str(tmp) + os.sep)
        src = tmp / f"{_LIB_NAME}.c"
        tmp_lib = tmp / f"{_LIB_NAME}.so"
        cmd = [compiler, opt_level, "-shared", "-fPIC", "-o", str(tmp_lib), str(src), "-lm"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"compiling {src} failed:\n{' '.join(cmd)}\n{proc.stderr}")
        shutil.copy2(src, out_dir / f"{_LIB_NAME}.c.tmp-{os.getpid()}")
        os.replace(out_dir / f"{_LIB_NAME}.c.tmp-{os.getpid()}", out_dir / f"{_LIB_NAME}.c")
        os.replace(tmp_lib, lib)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CompileInfo(lib, False, time.perf_counter() - t0)
