"""``cerebellum options``: every option of the ``walk`` controller with unit, default and effect.

Generated from the configuration's own definitions, so that the tuning guide cannot drift from
the code: the sections of ``controllers/walking_config.py`` (each setting's default, bound and
effect as its field states them), the ``GaitSettings`` fields with the comments beside them in
their source, the walking controller's pinned defaults (``WBC_DEFAULTS``, ``GAIT_DEFAULTS``) over
the C++ defaults of ``WholeBodyQPSettings`` and ``SafetySettings`` (comments from
``cpp/include/cerebellum/wbc.hpp`` and ``safety_layer.hpp`` when the sources are at hand), and
each robot's ``[walking]`` tables. ``docs/tuning.md`` embeds
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
    ("_radps", "rad/s"),
    ("_per_s", "1/s"),
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
    "joint_damping": "the model file's joint damping (`wbc.passive_compensation`)",
    "joint_friction": "the model file's dry friction (`wbc.passive_compensation`)",
}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "options",
        help="every option of the walk controller: unit, default, effect",
        description=(
            "Every option of the `walk` controller by section (set with --set "
            "controller.options.SECTION.NAME=VALUE or in a robot's [walking.SECTION] table) with "
            "its unit, default, bound and effect."
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


def _header_comments(header: Path | None, struct: str = "WholeBodyQPSettings") -> dict[str, str]:
    """Field name -> comment of ``struct`` in a C++ header (empty without it)."""
    if header is None or not header.is_file():
        return {}
    text = header.read_text()
    m = re.search(rf"struct {struct} \{{(.*?)\n\}};", text, re.S)
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


def _find_header(name: str = "wbc.hpp") -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        p = parent / "cpp" / "include" / "cerebellum" / name
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


def _own_rows(prefix: str, cls: type) -> list[dict[str, str]]:
    """Rows of the settings a configuration section states itself (walking_config.setting)."""
    from cerebellum.controllers.walking_config import _own_fields

    rows = []
    for f in _own_fields(cls):
        m = f.metadata
        unit, effect = _unit(f.name, m["doc"])
        unit = _pretty(m["unit"]) or unit
        if m["choices"]:
            bound = "one of " + ", ".join(f'"{c}"' for c in m["choices"])
        elif m["bound"] is not None:
            bound = str(m["bound"])
        elif isinstance(f.default, bool) or f.name in ("terrain_aware",):
            bound = "true, false" + (", unset" if m["optional"] else "")
        elif f.name == "swing":
            bound = "joint name -> finite number"
        else:
            bound = ""
        rows.append(
            {
                "name": f"{prefix}{f.name}",
                "unit": unit,
                "default": _fmt(f.default),
                "bound": bound,
                "effect": effect,
            }
        )
    return rows


def option_rows(wbc_header: Path | None = None) -> dict[str, list[dict[str, str]]]:
    """Section title -> rows {name (dotted), unit, default, bound, effect} of every ``walk``
    option."""
    from cerebellum import _core
    from cerebellum.controllers import walking_config as wc
    from cerebellum.controllers import wbc
    from cerebellum.controllers.gait import GaitSettings
    from cerebellum.controllers.safety import SAFETY_FIELDS

    sections: dict[str, list[dict[str, str]]] = {}

    def row(name, default_text, comment, bound="", unit=""):
        found, effect = _unit(name.rsplit(".", 1)[-1], comment)
        return {
            "name": name,
            "unit": _pretty(unit) or found,
            "default": default_text,
            "bound": bound,
            "effect": effect,
        }

    sections["top level: which controller runs"] = _own_rows("", wc.WalkingConfig)

    rows = _own_rows("gait.", wc.GaitConfig)
    notes = _field_comments(GaitSettings)
    geometry = set(_dict_keys(GaitSettings.for_robot, "geometry"))
    for f in dataclasses.fields(GaitSettings):
        if f.name in wc.GAIT_DEFAULTS:
            default = _fmt(wc.GAIT_DEFAULTS[f.name])
        elif f.name == "com_height_m":
            default = "standing CoM height − `balance.com_lowering_m`"
        elif f.name in geometry:
            default = "from the standing pose"
        else:
            default = _fmt(f.default)
        text, unit = notes.get(f.name, ("", ""))
        rows.append(row(f"gait.{f.name}", default, text, "GaitSettings", unit))
    sections["gait: contact timing, step geometry, planning horizon (GaitSettings fields)"] = rows
    sections["footholds: where the feet touch down"] = _own_rows("footholds.", wc.FootholdConfig)
    sections["command: the velocity command's ramp and drift feedback"] = _own_rows(
        "command.", wc.CommandConfig
    )
    sections["balance: DCM law, CoP bounds, CoM height"] = _own_rows("balance.", wc.BalanceConfig)

    rows = _own_rows("wbc.", wc.WbcConfig)
    header = _header_comments(wbc_header if wbc_header is not None else _find_header())
    cpp = _core.WholeBodyQPSettings()
    pinned = wc.WBC_DEFAULTS
    pinned_notes = _dict_comments(wc, "WBC_DEFAULTS")
    extra = _pop_defaults(wbc.wbc_settings)  # options handled by wbc_settings itself
    extra_notes = {
        "sole_margin": "fraction (0, 1] of the sole rectangle the contact wrench's CoP may use",
        "soft_contacts": "contacts as a weighted task instead of equality constraints "
        "(forced for legs with fewer than 6 joints)",
        "passive_compensation": "torques make up for the model file's joint damping and dry "
        "friction",
        "passive_scale": "scale of that compensation",
    }
    names = sorted(k for k in dir(cpp) if not k.startswith("_")) + sorted(extra)
    for name in names:
        key = f"wbc.{name}"
        if name in _FROM_MODEL:
            rows.append(row(key, _FROM_MODEL[name], header.get(name, "")))
            continue
        if name == "contact_weight" and name not in pinned:
            default = "0 (6-DoF legs), 1e+05 (fewer joints)"
            rows.append(row(key, default, header.get(name, ""), "WholeBodyQPSettings"))
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
        bound = {"sole_margin": "(0, 1]"}.get(name, "" if name in extra else "WholeBodyQPSettings")
        rows.append(row(key, _fmt(default), text, bound))
    sections["wbc: whole-body QP (WholeBodyQPSettings fields)"] = rows
    sections['mpc: planner "mpc"'] = _own_rows("mpc.", wc.MpcConfig)
    sections["arms: arm swing"] = _own_rows("arms.", wc.ArmsConfig)

    # The safety layer's header lies beside the WBC's: a header passed in names the sources
    # to read, whichever tree the package itself was imported from.
    safety_header = (
        wbc_header.parent / "safety_layer.hpp"
        if wbc_header is not None
        else _find_header("safety_layer.hpp")
    )
    notes = _header_comments(safety_header, "SafetySettings")
    safety = _core.SafetySettings()
    rows = []
    for name in SAFETY_FIELDS:
        text = notes.get(name, "")
        if not text or text.startswith("--"):
            text = "see docs/safety.md"
        rows.append(row(f"safety.{name}", _fmt(getattr(safety, name)), text, "SafetySettings"))
    sections["safety: the C++ safety layer (SafetySettings fields; docs/safety.md)"] = rows
    return sections


def _toml_comments(path: Path, table: str) -> dict[str, str]:
    """Dotted key -> the comment lines right above it in ``[table]`` and its sub-tables
    (``[table.gait]``) of a TOML file. A comment right under the ``[table]`` header is the
    table's own (key ``""``)."""
    out: dict[str, str] = {}
    inside, sub, above = False, "", []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("["):
            name = line.strip("[]").strip()
            inside = name == table or name.startswith(f"{table}.")
            if inside and name == table:
                sub = ""
            elif inside:
                sub = name[len(table) + 1 :] + "."
            above = []
            continue
        if not inside:
            continue
        if line.startswith("#"):
            above.append(line.lstrip("#").strip())
            continue
        if not line and above and sub == "" and "" not in out:
            out[""], above = " ".join(above), []
            continue
        if "=" in line and above:
            out[sub + line.split("=", 1)[0].strip().strip('"')] = " ".join(above)
        above = []
    return out


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested [walking] table as dotted name -> value (``arms.swing`` stays a table)."""
    from cerebellum.controllers.walking_config import SECTIONS

    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict) and not prefix and (k in SECTIONS or k == "safety"):
            out.update(_flatten(v, f"{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def robot_rows() -> list[dict[str, str]]:
    """Each robot's ``[walking]`` tables: robot, dotted option, value, the comment above it."""
    from cerebellum.robots import list_robots, load_robot

    out = []
    for name in list_robots():
        cfg = load_robot(name)
        why = _toml_comments(Path(cfg.config_path), "walking")
        if cfg.walking and why.get(""):
            out.append({"robot": name, "name": "", "value": "", "why": why[""]})
        for k, v in _flatten(cfg.walking or {}).items():
            out.append({"robot": name, "name": k, "value": _fmt(v), "why": why.get(k, "")})
    return out


def options_markdown(wbc_header: Path | None = None) -> str:
    lines = [
        "Every setting by its dotted name under `controller.options` (a scenario, "
        "`--set controller.options.gait.step_duration_s=0.35`) or a robot's `[walking]` tables "
        "(`[walking.gait]`, `step_duration_s = 0.35`). Bound: the values the controller accepts "
        "(a type's name: that type checks it).",
        "",
    ]
    for title, rows in option_rows(wbc_header).items():
        lines += [
            f"### {title}",
            "",
            "| option | unit | default | bound | effect |",
            "|---|---|---|---|---|",
        ]
        for r in rows:
            effect = r["effect"].replace("|", "\\|")
            bound = r["bound"].replace("|", "\\|")
            lines.append(f"| `{r['name']}` | {r['unit']} | {r['default']} | {bound} | {effect} |")
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
            bound = f"  ({r['bound']})" if r["bound"] else ""
            print(f"  {r['name']:<{w}}  = {r['default']}{unit}{bound}")
            if r["effect"]:
                for line in textwrap.wrap(r["effect"], 90):
                    print(f"  {'':<{w}}    {line}")
    rows = robot_rows()
    if rows:
        print("per-robot defaults ([walking.SECTION] tables)")
        for r in rows:
            print(f"  {r['robot']:<7s} {r['name']} = {r['value']}")
    return 0
