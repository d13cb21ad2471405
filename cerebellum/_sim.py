"""The ``cerebellum_sim`` console script: runs the C++ program installed in the package's ``bin/``
(a scenario's closed loop on MuJoCo's C API, no Python in the loop; see ``cerebellum export``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["binary", "main"]


def binary() -> Path:
    """Path of the ``cerebellum_sim`` executable installed with the package (may not exist: it
    is built only when CMake finds MuJoCo)."""
    return Path(__file__).absolute().parent / "bin" / "cerebellum_sim"


def _mujoco_mismatch(exe: Path) -> str | None:
    """Why the installed libmujoco is not the one the program was linked against, or None."""
    import importlib.util

    marker = exe.with_name("cerebellum_sim.mujoco")
    spec = importlib.util.find_spec("mujoco")
    if not marker.is_file() or spec is None or spec.origin is None:
        return None  # a build without the marker, or no wheel: let the loader speak
    want = marker.read_text().strip()
    folder = Path(spec.origin).parent
    if (folder / want).exists():
        return None
    have = sorted(p.name for p in folder.glob("libmujoco.so*"))
    return (
        f"cerebellum_sim was built against {want}, but the installed mujoco package has "
        f"{', '.join(have) or 'no libmujoco'} ({folder}); reinstall cerebellum with this mujoco "
        "(pip install --force-reinstall --no-deps .) or install the mujoco it was built with"
    )


def main() -> int:
    exe = binary()
    if not exe.is_file():
        print(
            f"cerebellum_sim: error: the C++ program is not installed ({exe}); it is built "
            "when CMake finds MuJoCo (the `mujoco` wheel or -DMUJOCO_DIR)",
            file=sys.stderr,
        )
        return 2
    problem = _mujoco_mismatch(exe)
    if problem:
        print(f"cerebellum_sim: error: {problem}", file=sys.stderr)
        return 2
    os.execv(exe, [str(exe), *sys.argv[1:]])
    return 2  # not reached


if __name__ == "__main__":
    sys.exit(main())
