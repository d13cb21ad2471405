"""Prints how many bad inputs the robustness tests exercise: listed cases (collected pytest items
of the robustness files, one per parametrised case, minus the Hypothesis tests) and generated
ones (each Hypothesis test's max_examples). Run: PYTHONPATH=.dev python tests/count_bad_inputs.py"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
FILES = [
    "test_robust_inputs.py",
    "test_fuzz.py",
    "test_robust_core.py",
    "test_robust_scenario_fields.py",
    "test_soak.py",
    "test_fault_mpc_deadline.py",
]
HYPOTHESIS = ["test_fuzz.py", "fuzz_core_cases.py"]


def main() -> int:
    out = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            *(str(HERE / f) for f in FILES),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    items = [ln for ln in out.splitlines() if "::" in ln]
    generated = 0
    given_names: set[str] = set()
    for f in HYPOTHESIS:
        text = (HERE / f).read_text()
        m = re.search(r"max_examples=(\d+)", text)
        n_given = len(re.findall(r"^@given", text, flags=re.M))
        given_names |= set(
            re.findall(r"@given\([^@]*?\)\s*\n(?:@[^\n]*\n)*def (\w+)", text, flags=re.S)
        )
        generated += n_given * int(m.group(1)) if m else 0
        print(f"{f}: {n_given} Hypothesis tests x {m.group(1) if m else 0} examples")
    listed = [i for i in items if i.split("::")[1].split("[")[0] not in given_names]
    print(f"listed cases: {len(listed)} (pytest items of {', '.join(FILES)})")
    print(f"generated cases: {generated}")
    print(f"total: {len(listed) + generated}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
