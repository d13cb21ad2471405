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


def main() -> int:
    exe = binary()
    if not exe.is_file():
        print(
            f"cerebellum_sim: error: the C++ program is not installed ({exe}); it is built "
            "when CMake finds MuJoCo (the `mujoco` wheel or -DMUJOCO_DIR)",
            file=sys.stderr,
        )
        return 2
    os.execv(exe, [str(exe), *sys.argv[1:]])
    return 2  # not reached


if __name__ == "__main__":
    sys.exit(main())
