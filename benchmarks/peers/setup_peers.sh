#!/usr/bin/env bash
# Create benchmarks/peers/.venv with peer libraries built against one Pinocchio.
#
# The newest PyPI wheels of tsid (1.9, 1.10) need `libtsid`, which has no wheel and builds from
# source; crocoddyl 3.1+ wheels do not pin the `pin` they link. These pins are one consistent set
# of wheels, all linked against libpinocchio 3.4.0, coal 3.0.1 and Boost 1.87 (checked with
# `readelf -d` on libtsid.so and libcrocoddyl.so):
#   pin 3.4.0 · tsid 1.7.1 (monolithic wheel) · crocoddyl 3.0.1
# Nothing here builds from source (`--only-binary :all:`).
#
# qpsolvers and four of its solvers (wheels) go into the same venv for the walking-QP peer.
#
# acados gets a venv of its own, benchmarks/peers/.venv-acados: the `comma-deps-acados` wheel
# carries libacados, HPIPM, BLASFEO, the C templates and the `t_renderer` binary (nothing is
# downloaded when a solver is generated), but also a casadi package built for CPython 3.12 only;
# casadi 3.8.2 (the project's version, so our saved CasADi functions load) is reinstalled over it.
#
# Usage: bash benchmarks/peers/setup_peers.sh [PYTHON]   (default: python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${1:-python3}"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade "pip>=24"

pins=(
  "pin==3.4.0"
  "coal-library==3.0.1"
  "cmeel-boost~=1.87.0"
  "cmeel-urdfdom>=4,<5"
  "cmeel-tinyxml2==10.0.0"  # urdfdom 4.0 links libtinyxml2.so.10 but does not pin it
  "tsid==1.7.1"
  "crocoddyl==3.0.1"
  "numpy<2.3"
  "qpsolvers==4.13.0"
  "daqp==0.11.0"
  "quadprog==0.1.14"
  "osqp==1.1.3"
  "piqp==0.6.4"
)
"$venv/bin/python" -m pip install --only-binary :all: "${pins[@]}"

acados_venv="$here/.venv-acados"
if [ ! -x "$acados_venv/bin/python" ]; then
  "$py" -m venv "$acados_venv"
fi
"$acados_venv/bin/python" -m pip install --quiet --upgrade "pip>=24"
"$acados_venv/bin/python" -m pip install --only-binary :all: --no-deps "comma-deps-acados==0.2.2.post92"
"$acados_venv/bin/python" -m pip install --only-binary :all: --force-reinstall "casadi==3.8.2" "numpy<2.3"
"$acados_venv/bin/python" -c "import acados; acados.smoketest(); import casadi; print('acados', casadi.__version__)"

"$venv/bin/python" - <<'EOF'
import importlib.metadata as md
for name in ("pin", "coal-library", "cmeel-boost", "eigenpy", "tsid", "crocoddyl", "numpy"):
    try:
        print(f"{name:14s} {md.version(name)}")
    except md.PackageNotFoundError:
        print(f"{name:14s} (absent)")
EOF
