"""``cerebellum options``: every option of the ``walk`` controller with unit, default and effect.

Generated from the configuration's own definitions, so that the tuning guide cannot drift from
the code: the fields of ``WalkingOptions`` and ``GaitSettings`` with the comments beside them in
their source, the walking controller's pinned WBC defaults (``_WBC_DEFAULTS``, ``_GAIT_DEFAULTS``)
over the C++ defaults of ``WholeBodyQPSettings`` (comments from ``cpp/include/cerebellum/wbc.hpp``
when the sources are at hand), and each robot's ``[walking]`` table. ``docs/tuning.md`` embeds
``cerebellum options --markdown``; a test checks that it matches.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import io
import math
import re
import textwrap
import tokenize
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "main", "option_rows", "options_markdown", "BEGIN", "END"]

# Markers of the generated part of docs/tuning.md
BEGIN = "<!-- cerebellum options: begin -->"
END = "<!-- cerebellum options: end -->"

_SUFFIX_UNITS = (
    ("_rad_s2", "rad/s²"),
    ("_rad_s", "rad/s"),
    ("_mps2", "m/s²"),
    ("_mps", "m/s"),
    ("_rad", "rad"),
    ("_hz", "Hz"),
    ("_Ns", "N·s"),
    ("_us", "µs"),
    ("_m", "m"),
    ("_s", "s"),
)
_UNIT_WORD = re.compile(r"^(1/s|s|m|rad|rad/s|m/s|N·m|N·m·s/rad|rad\^-2|m/s\^2)(?=$|[,:;\s])")
# WBC settings filled from the robot model or per contact, not tuning knobs
_FROM_MODEL = {
    "contacts": "sole rectangles and friction of the robot config",
    "base_frame": "`base_imu` site",
    "hand_frames": "none while walking",
    "torque_limit": "the model file's effort limits",
    "joint_damping": "the model file's joint damping (`passive_compensation`)",
    "joint_friction": "the model file's dry friction (`passive_compensation`)",
}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "options",
        help="every option of the walk controller: unit, default, effect",
        description=(
            "Every option of the `walk` controller (set with --set controller.options.NAME=VALUE "
            "or in a robot's [walking] table) with its unit, default and effect."
        ),
    )
    p.add_argument("--markdown", action="store_true", help="Markdown tables (docs/tuning.md)")
    p.add_argument(
        "--wbc-header",
        type=Path,
        metavar="PATH",
        help="cpp/include/cerebellum/wbc.hpp for the WBC comments (default: found beside the sources)",
    )
    p.set_defaults(func=main)
    return p


# ---------------------------------------------------------------------------------------------
# sources


def _field_comments(cls: type) -> dict[str, tuple[str, str]]:
    """Field name -> (comment, trailing unit) from the class source: the comment lines right
    above the field and the comment at the end of its line (a trailing comment that is only a
    unit gives the unit). A field without a comment right after a commented one refers to it."""
    src = textwrap.dedent(inspect.getsource(cls))
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    lines = src.splitlines()
    out: dict[str, tuple[str, str]] = {}
    head, prev_end = None, -1
    for node in ast.parse(src).body[0].body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above = []
        k = node.lineno - 1
        while k >= 1 and lines[k - 1].strip().startswith("#"):
            above.insert(0, comments[k])
            k -= 1
        trailing = comments.get(node.end_lineno, "")
        unit = ""
        m = _UNIT_WORD.match(trailing)
        if m and not trailing[m.end() :].strip(" ,;:"):
            unit, trailing = m.group(1), ""
        text = " ".join(above)
        if trailing:
            text = f"{text} — {trailing}" if text else trailing
        if not text and head is not None and node.lineno == prev_end + 1:
            text = f"see `{head}`"
        elif above:
            head = node.target.id
        prev_end = node.end_lineno
        out[node.target.id] = (text, unit)
    return out


def _dict_comments(module, name: str) -> dict[str, str]:
    """Key -> the comment lines right above it in the dict literal ``name`` of ``module``."""
    src = inspect.getsource(module)
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    lines = src.splitlines()
    for node in ast.parse(src).body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == name and isinstance(node.value, ast.Dict):
            out = {}
            for key in node.value.keys:
                if not isinstance(key, ast.Constant):
                    continue
                above, k = [], key.lineno - 1
                while k >= 1 and lines[k - 1].strip().startswith("#"):
                    above.insert(0, comments[k])
                    k -= 1
                if above:
                    out[key.value] = " ".join(above)
            return out
    return {}


def _header_comments(header: Path | None) -> dict[str, str]:
    """Field name -> comment of ``struct WholeBodyQPSettings`` in wbc.hpp (empty without it)."""
    if header is None or not header.is_file():
        return {}
    text = header.read_text()
    m = re.search(r"struct WholeBodyQPSettings \{(.*?)\n\};", text, re.S)
    if not m:
        return {}
    out: dict[str, str] = {}
    block: list[str] = []
    section, head = "", None
    for raw in m.group(1).splitlines():
        line = raw.strip()
        if line.startswith("///"):
            block.append(line[3:].strip())
            continue
        if line.startswith("//"):
            section, head = line[2:].strip(), None
            continue
        if not line:
            block, section, head = [], "", None
            continue
        decl, _, trailing = line.partition("//")
        decl = re.sub(r"\([^;]*\)", "", decl)  # initialisers such as (Vector6d() << ...)
        names = re.findall(r"([a-z_][a-z0-9_]*)\s*(?:=[^,;]*)?[,;]", decl.split(None, 1)[-1])
        own = " ".join(block + ([trailing.strip()] if trailing.strip() else []))
        unit = _UNIT_WORD.match(own)
        unit_only = bool(unit) and not own[unit.end() :].strip(" ,;:")
        prefix = f"{unit.group(1)}: " if unit_only else ""
        for n in names:
            if own and not unit_only:
                out[n] = own
            elif section:
                out[n] = prefix + _section_text(n, section)
            elif head:
                out[n] = f"{prefix}see `{head}`"
            else:
                out[n] = own
        if own and not unit_only:
            head = names[0] if names else head
        block = []
    return out


def _section_text(name: str, section: str) -> str:
    """A comment for a field of a commented group (``// PD gains.``) without its own."""
    task = name.split("_", 1)[1].replace("_", " ") if "_" in name else name
    if section.startswith("PD gains"):
        kind = "proportional" if name.startswith("kp_") else "derivative"
        return f"{kind} gain of the {task} task (acceleration level)"
    if section.startswith("Task weights"):
        return f"weight of the {task} task; {section[len('Task weights') :].strip(' ().')}"
    return section.rstrip(".")


def _find_header() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        p = parent / "cpp" / "include" / "cerebellum" / "wbc.hpp"
        if p.is_file():
            return p
    return None


def _pop_defaults(func) -> dict[str, Any]:
    """``overrides.pop("name", default)`` calls in ``func``'s source: name -> default."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    out = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "pop"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
        ):
            try:
                out[node.args[0].value] = ast.literal_eval(node.args[1])
            except ValueError:
                pass
    return out


def _dict_keys(func, name: str) -> list[str]:
    """Keyword names of ``name = dict(...)`` in ``func``'s source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            return [k.arg for k in node.value.keywords if k.arg]
    return []


# ---------------------------------------------------------------------------------------------
# rows


def _pretty(unit: str) -> str:
    return unit.replace("^-2", "⁻²").replace("^2", "²")


def _unit(name: str, comment: str) -> tuple[str, str]:
    """(unit, comment without a leading unit) from the comment's first word, a ", UNIT:" in it,
    or the name's suffix."""
    m = _UNIT_WORD.match(comment)
    if m:
        return _pretty(m.group(1)), comment[m.end() :].lstrip(",:; ")
    m = re.search(r", (1/s|rad\^-2)[:;)]", comment) or re.search(r"\((rad\^-2)[;)]", comment)
    if m:
        return _pretty(m.group(1)), comment
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit, comment
    if name.startswith("kp_"):
        return "1/s²", comment
    if name.startswith("kd_"):
        return "1/s", comment
    if name.startswith("w_"):
        return "weight", comment
    return "", comment


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "unset"
    if isinstance(v, float):
        return "inf" if math.isinf(v) else f"{v:g}"
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_fmt(x)}" for k, x in v.items()) + "}"
    return str(v)


def option_rows(wbc_header: Path | None = None) -> dict[str, list[dict[str, str]]]:
    """Section title -> rows {name, unit, default, effect} of every ``walk`` option."""
    from cerebellum import _core
    from cerebellum.controllers import walking, wbc
    from cerebellum.controllers.gait import GaitSettings

    sections: dict[str, list[dict[str, str]]] = {}

    def row(name: str, default: Any, comment: str, default_text: str | None = None, unit: str = ""):
        found, effect = _unit(name, comment)
        unit = _pretty(unit) or found
        return {
            "name": name,
            "unit": unit,
            "default": default_text if default_text is not None else _fmt(default),
            "effect": effect,
        }

    choices = {"planner": walking.PLANNERS, "step_feedback": walking.STEP_FEEDBACKS}
    notes = _field_comments(walking.WalkingOptions)
    rows = []
    for f in dataclasses.fields(walking.WalkingOptions):
        text, unit = notes.get(f.name, ("", ""))
        if f.name in choices:
            text = f"one of {', '.join(choices[f.name])}: {text}"
        rows.append(row(f.name, f.default, text, unit=unit))
    sections["walk: planning, balance and stepping (WalkingOptions)"] = rows

    notes = _field_comments(GaitSettings)
    geometry = set(_dict_keys(GaitSettings.for_robot, "geometry"))
    rows = []
    for f in dataclasses.fields(GaitSettings):
        if f.name in walking._GAIT_DEFAULTS:
            default = _fmt(walking._GAIT_DEFAULTS[f.name])
        elif f.name == "com_height_m":
            default = "standing CoM height − `com_lowering_m`"
        elif f.name in geometry:
            default = "from the standing pose"
        else:
            default = _fmt(f.default)
        text, unit = notes.get(f.name, ("", ""))
        rows.append(row(f.name, None, text, default, unit=unit))
    sections["walk: gait timing and step geometry (GaitSettings)"] = rows

    header = _header_comments(wbc_header if wbc_header is not None else _find_header())
    cpp = _core.WholeBodyQPSettings()
    pinned = walking._WBC_DEFAULTS
    pinned_notes = _dict_comments(walking, "_WBC_DEFAULTS")
    extra = _pop_defaults(wbc.wbc_settings)  # options handled by wbc_settings itself
    extra_notes = {
        "sole_margin": "fraction (0, 1] of the sole rectangle the contact wrench's CoP may use",
        "soft_contacts": "contacts as a weighted task instead of equality constraints "
        "(forced for legs with fewer than 6 joints)",
        "passive_compensation": "torques make up for the model file's joint damping and dry "
        "friction",
        "passive_scale": "scale of that compensation",
    }
    rows = []
    names = sorted(k for k in dir(cpp) if not k.startswith("_")) + sorted(extra)
    own = {f.name for f in dataclasses.fields(walking.WalkingOptions)}
    for name in names:
        if name in own:  # the walking controller's option of that name takes it (pinned here)
            continue
        if name in _FROM_MODEL:
            rows.append(row(name, None, header.get(name, ""), _FROM_MODEL[name]))
            continue
        if name == "contact_weight" and name not in pinned:
            default = "0 (6-DoF legs), 1e+05 (fewer joints)"
            rows.append(row(name, None, header.get(name, ""), default))
            continue
        if name in pinned:
            default = pinned[name]
        elif name in extra:
            default = extra[name]
        else:
            default = getattr(cpp, name)
        text = header.get(name, extra_notes.get(name, ""))
        if name.startswith("w_") and text.startswith("["):
            text = f"weight of the {name[2:].replace('_', ' ')} task {text}"
        if name in pinned_notes:
            text = f"{text} — walking: {pinned_notes[name]}" if text else pinned_notes[name]
        rows.append(row(name, default, text))
    sections["walk: whole-body QP (WholeBodyQPSettings)"] = rows
    return sections


def _toml_comments(path: Path, table: str) -> dict[str, str]:
    """Key -> the comment lines right above it in ``[table]`` of a TOML file. A comment right
    under the header is the table's own (key ``""``) up to its first line ending in a period;
    the rest of it belongs to the first key."""
    out: dict[str, str] = {}
    inside, above, first = False, [], False
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("["):
            inside, above, first = line == f"[{table}]", [], True
            continue
        if not inside:
            continue
        if line.startswith("#"):
            above.append(line.lstrip("#").strip())
            continue
        if first and above:
            end = next((i for i, x in enumerate(above) if x.endswith(".")), len(above) - 1)
            out[""], above = " ".join(above[: end + 1]), above[end + 1 :]
        first = False
        if "=" in line and above:
            out[line.split("=", 1)[0].strip().strip('"')] = " ".join(above)
        above = []
    return out


def robot_rows() -> list[dict[str, str]]:
    """Each robot's ``[walking]`` table: robot, option, value, the comment above it (why)."""
    from cerebellum.robots import list_robots, load_robot

    out = []
    for name in list_robots():
        cfg = load_robot(name)
        why = _toml_comments(Path(cfg.config_path), "walking")
        if cfg.walking and why.get(""):
            out.append({"robot": name, "name": "", "value": "", "why": why[""]})
        for k, v in (cfg.walking or {}).items():
            out.append({"robot": name, "name": k, "value": _fmt(v), "why": why.get(k, "")})
    return out


def options_markdown(wbc_header: Path | None = None) -> str:
    lines = []
    for title, rows in option_rows(wbc_header).items():
        lines += [f"### {title}", "", "| option | unit | default | effect |", "|---|---|---|---|"]
        for r in rows:
            effect = r["effect"].replace("|", "\\|")
            lines.append(f"| `{r['name']}` | {r['unit']} | {r['default']} | {effect} |")
        lines.append("")
    lines += [
        "### Per-robot defaults (`[walking]` tables in models/*.toml)",
        "",
        "| robot | option | value | why (the comment in the robot's file) |",
        "|---|---|---|---|",
    ]
    for r in robot_rows():
        why = r["why"].replace("|", "\\|")
        option = f"`{r['name']}`" if r["name"] else "(the table)"
        lines.append(f"| {r['robot']} | {option} | {r['value']} | {why} |")
    return "\n".join(lines) + "\n"


def main(args: argparse.Namespace) -> int:
    if args.markdown:
        print(options_markdown(args.wbc_header), end="")
        return 0
    for title, rows in option_rows(args.wbc_header).items():
        print(title)
        w = max(len(r["name"]) for r in rows)
        for r in rows:
            unit = f" [{r['unit']}]" if r["unit"] else ""
            print(f"  {r['name']:<{w}}  = {r['default']}{unit}")
            if r["effect"]:
                for line in textwrap.wrap(r["effect"], 90):
                    print(f"  {'':<{w}}    {line}")
    rows = robot_rows()
    if rows:
        print("per-robot defaults ([walking] tables)")
        for r in rows:
            print(f"  {r['robot']:<7s} {r['name']} = {r['value']}")
    return 0
