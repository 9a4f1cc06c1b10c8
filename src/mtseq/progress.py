"""What a person sees of a long stage, without slowing it down or flooding its log.

Three audiences, three forms:

- **a terminal** (stderr is a tty, e.g. ``mtseq train`` by hand): a live tqdm bar;
- **a log file** (stderr redirected, as every workflow rule does): no bar, whose
  carriage-return transcript would be hundreds of lines in a failed job's log, but
  a progress line at growing intervals (10 s, 20 s, 40 s ... then every 5 minutes);
- **the person watching the workflow** (``--status-fd N``): the same compact line
  (done/total, tokens/s, ETA) on a file descriptor that the rule points at the
  terminal, past the log redirection: ``mtseq train ... --status-fd 3 3>&2 > log 2>&1``.

``Progress.tick`` is called on every update and only reads the clock until a line
is due, so the training loop does no per-update I/O.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from mtseq.errors import ConfigError

FIRST_LINE_S = 10.0  # the first progress line after this many seconds; the gap doubles up to LONGEST_GAP_S
LONGEST_GAP_S = 300.0
BAR_REFRESH_S = 0.5


def status_writer(fd: int | None, flag: str = "--status-fd") -> Callable[[str], None] | None:
    """A function that writes one line to ``fd`` (one ``write``, so parallel jobs' lines do not interleave).

    A descriptor that is not open is refused now; one that fails later (terminal
    closed, reader gone) is dropped silently: status lines never stop a stage.
    """
    if fd is None:
        return None
    try:
        os.fstat(fd)
    except OSError:
        raise ConfigError(flag, f"file descriptor {fd} is not open (the rule opens it with {fd}>&2)") from None
    state = {"fd": fd}

    def write(line: str) -> None:
        if state["fd"] is None:
            return
        try:
            os.write(state["fd"], (line.rstrip("\n") + "\n").encode("utf-8", "replace"))
        except OSError:
            state["fd"] = None

    return write


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def bar_options() -> dict:
    """tqdm options for a bar on stderr: live on a terminal; in a log file a refresh a minute at most."""
    return {} if stderr_is_terminal() else {"mininterval": 60.0, "maxinterval": 600.0}


def clock(seconds: float) -> str:
    """``0:42``, ``12:05``, ``1:02:03``."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Progress of a run of ``total`` reference updates, told at intervals.

    ``bar``: a tqdm bar on stderr (a terminal); ``log``: progress lines through this
    logger (a log file); ``status``: one-line summaries for the person watching.
    ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        name: str,
        *,
        bar: bool = False,
        log: logging.Logger | None = None,
        status: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        first: float | None = None,
        longest: float | None = None,
    ) -> None:
        self.name, self.want_bar, self.log, self.status = name, bar, log, status
        self.clock = clock
        self.first = FIRST_LINE_S if first is None else first
        self.longest = LONGEST_GAP_S if longest is None else longest
        self.bar = None
        self.total = 0
        self._lines = log is not None or status is not None
        self._next_line = self._next_bar = self._next = float("inf")

    @property
    def active(self) -> bool:
        return self.want_bar or self._lines

    def start(self, total: int, ref_done: int, tokens: int) -> None:
        self.total, self.t0, self.ref0, self.tok0 = int(total), self.clock(), int(ref_done), int(tokens)
        self.gap = self.first
        self._next_line = self.t0 + self.gap if self._lines else float("inf")
        if self.want_bar:
            from tqdm import tqdm

            self.bar = tqdm(
                total=self.total, initial=ref_done, unit="ref", desc="train", file=sys.stderr, dynamic_ncols=True
            )
            self._next_bar = self.t0 + BAR_REFRESH_S
        self._next = min(self._next_line, self._next_bar)
        if self.status is not None:
            what = f"resumed at {ref_done}/{self.total}" if ref_done else f"started, {self.total}"
            self.status(f"mtseq: train {self.name}: {what} reference updates")

    def _rates(self, now: float, ref_done: int, tokens: int) -> tuple[float, str]:
        wall = max(now - self.t0, 1e-9)
        speed = (tokens - self.tok0) / wall
        rate = (ref_done - self.ref0) / wall
        eta = clock((self.total - ref_done) / rate) if rate > 0 else "?"
        return speed, eta

    def tick(self, ref_done: int, update: int, tokens: int, losses: dict[str, float] | None = None) -> None:
        """Called every update: reads the clock, and only when something is due draws or writes."""
        now = self.clock()
        if now < self._next:
            return
        if now >= self._next_bar and self.bar is not None:
            self.bar.update(ref_done - self.bar.n)
            speed, _ = self._rates(now, ref_done, tokens)
            shown = " ".join(f"{t}={v:.2f}" for t, v in (losses or {}).items())
            self.bar.set_postfix_str(f"{update} upd, {speed:,.0f} tok/s, loss {shown}", refresh=True)
            self._next_bar = now + BAR_REFRESH_S
        if now >= self._next_line:
            self.line(now, ref_done, update, tokens)
            self.gap = min(self.gap * 2, self.longest)
            self._next_line = now + self.gap
        self._next = min(self._next_line, self._next_bar)

    def line(self, now: float, ref_done: int, update: int, tokens: int) -> None:
        speed, eta = self._rates(now, ref_done, tokens)
        pct = 100 * ref_done / max(self.total, 1)
        summary = f"{ref_done}/{self.total} ref updates ({pct:.0f}%), {speed:,.0f} tok/s, ETA {eta}"
        if self.log is not None:
            self.log.info("progress %s, %d updates in all", summary, update)
        if self.status is not None:
            self.status(f"mtseq: train {self.name}: {summary}")

    def finish(self, ref_done: int, tokens: int) -> None:
        now = self.clock()
        if self.bar is not None:
            self.bar.update(ref_done - self.bar.n)
            self.bar.close()
            self.bar = None
        if self.status is not None:
            speed, _ = self._rates(now, ref_done, tokens)
            done = f"mtseq: train {self.name}: done, {ref_done}/{self.total} ref updates"
            if ref_done == self.ref0:  # resumed from its last checkpoint with nothing left to train
                self.status(f"{done} (none left to train)")
            else:
                self.status(f"{done} in {clock(now - self.t0)} ({speed:,.0f} tok/s)")

    def close(self) -> None:
        """Close the bar if the run stopped half-way (an error): no line, the error speaks."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
