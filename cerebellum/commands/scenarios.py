"""``cerebellum scenarios``: the built-in scenarios with description, terrain, command and pushes."""

from __future__ import annotations

import argparse

__all__ = ["BEGIN", "END", "add_parser", "main", "scenario_rows", "scenarios_markdown"]

# Markers of the generated part of docs/scenarios.md
BEGIN = "<!-- cerebellum scenarios: begin -->"
END = "<!-- cerebellum scenarios: end -->"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "scenarios",
        help="list the built-in scenarios (description, terrain, command)",
        description="The built-in scenarios: robot, duration, terrain, command timeline, pushes.",
    )
    p.add_argument("--markdown", action="store_true", help="a Markdown table (docs/scenarios.md)")
    p.set_defaults(func=main)
    return p


def _num(x: float) -> str:
    return f"{x:g}"


def _terrain(sc) -> str:
    params = {k: v for k, v in sc.terrain_params.items() if k != "name"}
    if not params:
        return sc.terrain

    def value(v) -> str:
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(_num(x) for x in v) + "]"
        return v if isinstance(v, str) else _num(v)

    inner = ", ".join(
        f"{k} {value(v)}"
        for k, v in params.items()
        if isinstance(v, (str, int, float, list, tuple)) and not isinstance(v, bool)
    )
    return f"{sc.terrain} ({inner})" if inner else sc.terrain


def _commands(sc) -> str:
    parts = []
    for c in sc.commands:
        moves = [
            f"{name} {_num(v)}"
            for name, v in (("vx", c.vx), ("vy", c.vy), ("yaw_rate", c.yaw_rate))
            if v != 0.0
        ]
        parts.append(f"{_num(c.t_s)} s: {', '.join(moves) if moves else 'stand'}")
    return "; ".join(parts) or "stand"


def _pushes(sc) -> str:
    out = []
    for p in sc.pushes:
        if p.impulse_Ns is not None:
            what = "[" + ", ".join(_num(x) for x in p.impulse_Ns) + "] N·s"
        else:
            what = "[" + ", ".join(_num(x) for x in p.force_N) + "] N"
        out.append(f"{_num(p.t_s)} s: {what}")
    return "; ".join(out)


def _faults(sc) -> str:
    out = []
    for f in sc.faults:
        what = " ".join(x for x in (f.kind, f.target, f.mode) if x)
        m = f.magnitude
        if m is not None:
            what += " " + (
                "[" + ", ".join(_num(x) for x in m) + "]" if isinstance(m, tuple) else _num(m)
            )
        out.append(f"{_num(f.t_s)} s +{_num(f.duration_s)} s: {what}")
    return "; ".join(out)


def scenario_rows() -> list[dict[str, str]]:
    """One row per built-in scenario (name order): name, description, robot, duration, terrain,
    command (t: vx m/s, vy m/s, yaw_rate rad/s), pushes (t: world-frame impulse or force), faults
    (t +duration: kind, target, mode, magnitude)."""
    from cerebellum.sim.scenario import list_scenarios, load_scenario

    rows = []
    for name in list_scenarios():
        sc = load_scenario(name)
        rows.append(
            {
                "name": sc.name,
                "description": sc.description,
                "robot": sc.robot,
                "duration": f"{_num(sc.duration_s)} s",
                "controller": sc.controller.name or "(default)",
                "terrain": _terrain(sc),
                "command": _commands(sc),
                "pushes": _pushes(sc),
                "faults": _faults(sc),
            }
        )
    return rows


def terrain_rows() -> list[dict[str, str]]:
    """One row per terrain: name, the first sentence of its docstring, parameters = defaults."""
    import inspect

    from cerebellum.sim.terrain import _REGISTRY, terrain_parameters

    rows = []
    for name in sorted(_REGISTRY):
        doc = " ".join((inspect.getdoc(_REGISTRY[name]) or "").split("\n\n")[0].split())
        doc = doc.replace("``", "`")
        params = []
        for k, v in terrain_parameters(name).items():
            if v is inspect.Parameter.empty:
                params.append(f"`{k}` (required)")
            elif isinstance(v, tuple):
                params.append(f"`{k}` = [{', '.join(_num(x) for x in v)}]")
            elif isinstance(v, str):
                params.append(f'`{k}` = "{v}"')
            elif v is None or isinstance(v, bool):
                params.append(f"`{k}` = {str(v).lower() if v is not None else 'unset'}")
            else:
                params.append(f"`{k}` = {_num(v)}")
        rows.append({"name": name, "description": doc, "parameters": ", ".join(params)})
    return rows


def scenarios_markdown() -> str:
    """The built-in scenarios, then the terrains with their parameters, as Markdown tables."""
    keys = (
        "name",
        "description",
        "terrain",
        "command",
        "pushes",
        "faults",
        "controller",
        "duration",
    )
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in scenario_rows():
        cells = [f"`{r['name']}`"] + [r[k].replace("|", "\\|") for k in keys[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| terrain | what it is | parameters (defaults) |", "|---|---|---|"]
    for r in terrain_rows():
        desc = r["description"].replace("|", "\\|")
        lines.append(f"| `{r['name']}` | {desc} | {r['parameters']} |")
    return "\n".join(lines) + "\n"


def main(args: argparse.Namespace) -> int:
    if args.markdown:
        print(scenarios_markdown(), end="")
        return 0
    for r in scenario_rows():
        print(f"{r['name']}: {r['description']}")
        print(f"    terrain   {r['terrain']}")
        print(f"    command   {r['command']}  (vx, vy m/s; yaw_rate rad/s)")
        if r["pushes"]:
            print(f"    pushes    {r['pushes']}")
        if r["faults"]:
            print(f"    faults    {r['faults']}")
        print(f"    robot {r['robot']}, {r['duration']}, controller {r['controller']}")
    print("(run one: cerebellum run NAME [--robot R]; your own: a path to a .toml file)")
    return 0
