"""A progress bar for operator commands, on their stderr."""

from __future__ import annotations

import sys

WIDTH = 30


def add_progress_argument(
    parser, help_text: str = "Progress bar on stderr (auto: when stderr is a terminal)"
):
    """The `--progress auto|always|never` option of a command that shows a `ProgressBar`."""
    parser.add_argument(
        "--progress", choices=["auto", "always", "never"], default="auto", help=help_text
    )


class ProgressBar:
    """`[#####-----] done/total`, redrawn in place. `mode`: `always`, `never`, or `auto`
    (only when stderr is a terminal and there is more than one step to show)."""

    def __init__(self, stream, total: int, mode: str = "auto"):
        self.stream = stream
        self.total = total
        self.shown = mode == "always" or (mode == "auto" and total > 1 and sys.stderr.isatty())
        self.finished = False

    def update(self, done: int) -> None:
        if not self.shown or self.finished:
            return
        filled = int(WIDTH * done / self.total) if self.total else WIDTH
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total}", ending="")
        if done >= self.total:
            self.stream.write("")
            self.finished = True

    def note(self, line: str) -> None:
        """A line of its own, above the bar."""
        if self.shown:
            self.stream.write("\r\033[K", ending="")
        self.stream.write(line)
