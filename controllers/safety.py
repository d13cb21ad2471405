"""The C++ safety layer's settings (``controller.options.safety``) for the C++ controllers.

The defaults and bounds are defined once, in ``cpp/include/cerebellum/safety_layer.hpp``
(docs/safety.md); this module only applies a table of overrides and names the bad field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cerebellum import _core
from cerebellum.errors import ConfigError

__all__ = ["SAFETY_FIELDS", "safety_settings"]

#: The safety layer's settings (``controller.options.safety``), defaults in C++ (safety_layer.hpp).
SAFETY_FIELDS = tuple(
    k for k in dir(_core.SafetySettings()) if not k.startswith("_") and k != "validate"
)


def safety_settings(path: str | Path, table: dict[str, Any] | None) -> Any:
    """``_core.SafetySettings`` with the ``controller.options.safety`` table applied; ``path``
    names the file in errors."""
    out = _core.SafetySettings()
    if table is None:
        return out
    if not isinstance(table, dict):
        raise ConfigError(path, "controller.options.safety", f"expected a table, got {table!r}")
    for k, v in table.items():
        where = f"controller.options.safety.{k}"
        if k not in SAFETY_FIELDS:
            raise ConfigError(path, where, f"unknown setting; valid: {list(SAFETY_FIELDS)}")
        ok = isinstance(v, bool) if k == "enabled" else isinstance(v, (int, float))
        if not ok or (k != "enabled" and isinstance(v, bool)):
            raise ConfigError(
                path, where, f"expected a {'boolean' if k == 'enabled' else 'number'}, got {v!r}"
            )
        setattr(out, k, v)
    try:
        out.validate()
    except ValueError as e:
        raise ConfigError(path, "controller.options.safety", str(e)) from None
    return out
