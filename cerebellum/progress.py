"""Progress of long commands (``run``, ``evaluate``, ``bench``) on a text stream.

On a terminal: a tqdm bar redrawn in place. Anywhere else (a CI log, a file, a pipe): one plain
line every ``interval_s`` seconds and one at the end, with no carriage returns or escape codes, so
that a log reads line by line. The line text comes from ``tqdm.format_meter`` in both cases.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm

__all__ = ["Progress"]

# After the bar: position, elapsed and remaining time, then the caller's text (``postfix``).
_FORMAT = "{n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}{postfix}]"


def _num(x: float, integer: bool) -> float | int:
    return int(round(x)) if integer else round(float(x), 2)


class Progress:
    """Progress towards ``total`` (in ``unit``) on ``stream`` (default stderr).

    ``tty`` None: a tqdm bar when ``stream.isatty()``, else plain lines. ``interval_s``: least
    time between two plain lines. ``clock``: seconds (monotonic), replaceable for tests.
    """

    def __init__(
        self,
        total: float,
        unit: str = "it",
        desc: str = "",
        stream: TextIO | None = None,
        interval_s: float = 5.0,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total, self.unit, self.desc = float(total), unit, desc
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(self.stream.isatty()) if tty is None else tty
        self.interval_s, self.clock = float(interval_s), clock
        self.t0 = self._last = clock()
        self.n, self.postfix = 0.0, ""
        self._closed = False
        self._bar = None
        self._printed: tuple[float, str] | None = None
        self._integer = self.total.is_integer() and unit != "s"
        if self.tty:
            self._bar = tqdm(
                total=_num(total, self._integer),
                unit=unit,
                desc=desc,
                file=self.stream,
                bar_format="{l_bar}{bar}| " + _FORMAT,
                dynamic_ncols=True,
                leave=True,
            )

    def update(self, n: float, postfix: str = "") -> None:
        """Sets the position to ``n`` (absolute, not an increment) and the text after the bar."""
        self.n, self.postfix = float(n), postfix
        if self._bar is not None:
            self._bar.n = _num(n, self._integer)
            self._bar.set_postfix_str(postfix, refresh=False)
            self._bar.refresh()
            return
        now = self.clock()
        if now - self._last >= self.interval_s:
            self._last = now
            self._line(now)

    def write(self, message: str) -> None:
        """A message on its own line (above the bar on a terminal)."""
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            self.stream.write(message.rstrip("\n") + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Ends the bar, or writes the final plain line."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        elif self._printed != (self.n, self.postfix):
            self._line(self.clock())

    def line(self) -> str:
        """The current progress as one line of text (no control characters)."""
        return self._text(self.clock())

    def _text(self, now: float) -> str:
        return tqdm.format_meter(
            _num(min(self.n, self.total), self._integer),
            _num(self.total, self._integer),
            now - self.t0,
            prefix=self.desc,
            unit=self.unit,
            postfix=self.postfix or None,
            bar_format="{l_bar}" + _FORMAT,
        ).replace("|", " ", 1)

    def _line(self, now: float) -> None:
        self._printed = (self.n, self.postfix)
        self.stream.write(self._text(now) + "\n")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
