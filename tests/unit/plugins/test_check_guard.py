"""The contract kit's guard: inside it the guarded thread cannot read the clock or open a file
(each attempt raised and recorded, even when swallowed); other threads are untouched, and
everything is as before once it ends."""

from __future__ import annotations

import contextlib
import datetime
import threading
import time
from pathlib import Path

import pytest

from traderagent.plugins.check.audit import audit_source
from traderagent.plugins.check.guard import Forbidden, Guard


def test_the_clock_and_files_are_forbidden_on_the_guarded_thread(tmp_path: Path) -> None:
    target = tmp_path / "diary.log"
    with Guard() as guard:
        with pytest.raises(Forbidden, match=r"time\.time\(\)"):
            time.time()
        with pytest.raises(Forbidden, match=r"datetime\.now\(\)"):
            datetime.datetime.now()
        with pytest.raises(Forbidden, match="opening a file"):
            target.write_text("x")
        with contextlib.suppress(Forbidden):  # a strategy that swallows it is caught all the same
            time.monotonic()
        assert time.localtime(0).tm_year == 1970  # a conversion, not the clock
    assert not target.exists()
    assert [a.split(" (at ")[0] for a in guard.attempts] == [
        "time.time()",
        "datetime.now()",
        f"opening a file '{target}'",
        "time.monotonic()",
    ]
    assert all("test_check_guard.py:" in a for a in guard.attempts)


def test_other_threads_keep_their_clock_and_all_is_restored_after() -> None:
    seen: list[float] = []
    real = time.time
    with Guard():
        worker = threading.Thread(target=lambda: seen.append(time.time()))
        worker.start()
        worker.join(timeout=60)
        other = datetime.datetime
    assert len(seen) == 1 and seen[0] > 1.6e9
    assert time.time is real and datetime.datetime is not other
    assert datetime.datetime.now().year >= 2024


def test_the_audit_separates_errors_from_notes_on_randomness() -> None:
    findings = audit_source(
        "import random\n"
        "from datetime import datetime\n"
        "import traderagent.marketdata\n"
        "x = random.random()\n"
        "r = random.Random(7)\n"
        "datetime.now()\n"
        "print(x)\n"
    )
    assert [(f.line, f.error) for f in findings] == [
        (3, True),
        (4, False),
        (6, True),
        (7, True),
    ]
    assert "imports traderagent.marketdata" in findings[0].what
    assert "reads the clock" in findings[2].what
