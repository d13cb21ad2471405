"""Rewrites the generated parts of docs/: the option tables of tuning.md (`cerebellum options
--markdown`) and the scenario and terrain tables of scenarios.md (`cerebellum scenarios
--markdown`). Run from the repository root: ``python docs/generate.py``. (docs/results.md and the
README's summary come from `cerebellum report ... --markdown docs/results.md --summary-into
README.md`.)"""

from __future__ import annotations

import re
from pathlib import Path

from cerebellum.commands import options, scenarios

DOCS = Path(__file__).resolve().parent


def fill(path: Path, begin: str, end: str, body: str) -> None:
    text = path.read_text()
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: markers {begin!r} .. {end!r} not found")
    path.write_text(pattern.sub(lambda _: f"{begin}\n{body}{end}", text, count=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    header = DOCS.parent / "cpp" / "include" / "cerebellum" / "wbc.hpp"
    fill(DOCS / "tuning.md", options.BEGIN, options.END, options.options_markdown(header))
    fill(DOCS / "scenarios.md", scenarios.BEGIN, scenarios.END, scenarios.scenarios_markdown())
