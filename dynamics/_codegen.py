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


def cache_key(
    fingerprint: bytes,
    *,
    opt_level: str,
    jacobians: Sequence[str] = (),
    with_jacobians: bool = False,
) -> str:
    """Hex digest over the model fingerprint, CasADi version, flags and code version.

    ``jacobians``: names of the functions built with ``jac_<name>``. ``with_jacobians`` is an
    older spelling kept for callers; only ``False`` (no Jacobians) is accepted.
    """
    if with_jacobians:
        raise ValueError("pass the function names as jacobians=[...] instead of with_jacobians")
    h = hashlib.sha256()
    for part in (
        fingerprint,
        ca.__version__.encode(),
        CODE_VERSION.encode(),
        opt_level.encode(),
        ",".join(sorted(jacobians)).encode(),
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
    jacobians: Sequence[str] = (),
    jobs: int | None = None,
) -> CompileInfo:
    """Return ``<root>/<key>/cerebellum_casadi.so`` with ``functions``, compiling if absent.

    Each function (plus ``jac_<name>`` for names in ``jacobians``) becomes one C file compiled
    with ``gcc <opt_level> -fPIC`` (``jobs`` in parallel, default: CPU count), linked with
    ``-shared`` in a private temporary directory and moved into place with an atomic rename, so
    concurrent builders never see a partial file.
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
        jac_set = set(jacobians)
        sources = []
        for k, f in enumerate(functions):
            gen = ca.CodeGenerator(f"{_LIB_NAME}_{k}.c", {"with_header": False})
            gen.add(f)
            if f.name() in jac_set:
                gen.add(f.jacobian())
            gen.generate(str(tmp) + os.sep)
            sources.append(tmp / f"{_LIB_NAME}_{k}.c")
        objects = _compile_objects(compiler, opt_level, sources, jobs)
        tmp_lib = tmp / f"{_LIB_NAME}.so"
        _run([compiler, "-shared", "-o", str(tmp_lib), *map(str, objects), "-lm"])
        os.replace(tmp_lib, lib)  # atomic: readers see no library or a complete one
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CompileInfo(lib, False, time.perf_counter() - t0)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"command failed: {' '.join(cmd)}\n{proc.stderr}")


def _compile_objects(
    compiler: str, opt_level: str, sources: Sequence[Path], jobs: int | None
) -> list[Path]:
    """Compile C sources to position-independent objects, ``jobs`` processes at a time."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    # largest first, so the long compile starts early
    pending = sorted(sources, key=lambda p: p.stat().st_size, reverse=True)
    running: list[tuple[subprocess.Popen, list[str]]] = []
    objects = [s.with_suffix(".o") for s in sources]
    try:
        while pending or running:
            while pending and len(running) < jobs:
                src = pending.pop(0)
                cmd = [
                    compiler,
                    opt_level,
                    "-fPIC",
                    "-c",
                    "-o",
                    str(src.with_suffix(".o")),
                    str(src),
                ]
                running.append((subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True), cmd))
            proc, cmd = running.pop(0)
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"command failed: {' '.join(cmd)}\n{err}")
    finally:
        for proc, _ in running:
            proc.kill()
            proc.wait()
    return objects
