"""Summary statistics shared by the controllers, the simulation harness and the reports."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["percentiles"]


def percentiles(x: Any) -> dict[str, float]:
    """{p50, p99, max} of a 1-D sample; NaN for an empty one."""
    x = np.asarray(x, dtype=float).ravel()
    if len(x) == 0:
        return {"p50": math.nan, "p99": math.nan, "max": math.nan}
    return {
        "p50": float(np.percentile(x, 50)),
        "p99": float(np.percentile(x, 99)),
        "max": float(np.max(x)),
    }
