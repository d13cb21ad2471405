"""Merge several ``cerebellum bench --json`` reports into one baseline for ``--compare``.

Per (stage, robot): the median over the runs of ``normalised`` and of the percentiles. One run
on a shared machine can land in a slow spell; the median of a few consecutive runs does not.

    for i in 1 2 3 4; do cerebellum bench --quick --stages ... --json /tmp/run$i.json; done
    python benchmarks/make_baseline.py benchmarks/baseline-quick.json /tmp/run[1-4].json
"""

from __future__ import annotations

import json
import sys

import numpy as np

MEDIAN_KEYS = ("p50", "p90", "p99", "p99.9", "max", "mean", "jitter", "normalised")


def merge(reports: list[dict]) -> dict:
    versions = {r["schema_version"] for r in reports}
    references = {r["settings"]["reference"] for r in reports}
    if len(versions) != 1 or len(references) != 1:
        raise SystemExit(f"reports differ in schema {versions} or reference {references}")
    out = json.loads(json.dumps(reports[0]))
    for r in out["results"]:
        same = [
            x
            for rep in reports
            for x in rep["results"]
            if (x["name"], x["robot"]) == (r["name"], r["robot"])
        ]
        for k in MEDIAN_KEYS:
            if all(k in x for x in same):
                r[k] = float(np.median([x[k] for x in same]))
        r["normalised_runs"] = [x["normalised"] for x in same]
    out["settings"]["note"] = (
        f"per stage, the median over {len(reports)} consecutive `cerebellum bench --quick` runs "
        "(normalised_runs: each run's median block ratio)"
    )
    return out


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    reports = []
    for path in sys.argv[2:]:
        with open(path) as f:
            reports.append(json.load(f))
    with open(sys.argv[1], "w") as f:
        json.dump(merge(reports), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
