"""Where a command's `--json OUT` goes: a file, or standard output when OUT is `-`.

With `--json -` the JSON is all that reaches standard output (so it can be piped into `jq`);
the command's tables and messages go to standard error instead.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

STDOUT = "-"
_json_stream: list[TextIO] = []


def to_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


@contextlib.contextmanager
def json_on_stdout(path: Path | str | None) -> Iterator[None]:
    """Around a command: when `path` is `-`, keep standard output for its JSON alone."""
    if not to_stdout(path):
        yield
        return
    _json_stream.append(sys.stdout)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        _json_stream.pop()


def write_text(path: Path, text: str) -> None:
    """`text` into the file `path`, or onto standard output when `path` is `-` (OSError as
    writing a file raises it)."""
    if to_stdout(path):
        stream = _json_stream[-1] if _json_stream else sys.stdout
        stream.write(text)
        stream.flush()
        return
    path.write_text(text, encoding="utf-8")
