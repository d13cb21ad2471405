"""The package's layers, checked on the installed sources: the controllers never import the
simulator, and no import cycle runs at import time."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import cerebellum

ROOT = Path(cerebellum.__file__).parent


def _modules() -> dict[str, Path]:
    """Module name -> source file of every module of the installed package."""
    out = {}
    for folder, _, files in os.walk(ROOT, followlinks=True):  # a development tree links folders
        for f in files:
            if f.endswith(".py"):
                path = Path(folder, f)
                parts = path.relative_to(ROOT).with_suffix("").parts
                out[".".join(("cerebellum", *parts)).removesuffix(".__init__")] = path
    return out


def _imported(node: ast.AST, known: set[str]) -> set[str]:
    """The package modules an import statement names (a name imported from a module that is a
    submodule counts as that submodule)."""
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    else:
        return set()
    out = set()
    for t in targets:
        while t and t not in known:
            t = t.rpartition(".")[0]
        if t:
            out.add(t)
    return out


def test_controllers_import_nothing_from_the_simulator():
    mods = _modules()
    found = {}
    for name, path in mods.items():
        if name.startswith("cerebellum.controllers"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                sim = {m for m in _imported(node, set(mods)) if m.startswith("cerebellum.sim")}
                if sim:
                    found.setdefault(name, set()).update(sim)
    assert found == {}


def test_no_import_cycle_at_import_time():
    """Module-level imports (not TYPE_CHECKING blocks or function-local imports, which run after
    both modules are loaded); a package and its own submodules are one node."""
    mods = _modules()
    known = set(mods)
    graph: dict[str, set[str]] = {m: set() for m in known}
    for name, path in mods.items():
        for node in ast.parse(path.read_text(), str(path)).body:
            for dep in _imported(node, known):
                if not (dep.startswith(name + ".") or name.startswith(dep + ".") or dep == name):
                    graph[name].add(dep)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                visit(d, [*stack, d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_the_shared_types_come_from_one_module():
    from cerebellum import interfaces, sim

    assert sim.RobotState is interfaces.RobotState and sim.BaseState is interfaces.BaseState
    assert sim.Controller is interfaces.Controller
