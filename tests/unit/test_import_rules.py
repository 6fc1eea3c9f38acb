"""The checks behind our own import-linter contracts (`tests/kit/import_rules.py`) find what
they are for: an import cycle, and a reach into another module's private names."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from kit.import_rules import foreign_privates, import_cycles, strongly_connected


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_cycle_is_found_with_its_modules() -> None:
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    groups = strongly_connected(set(imports), lambda m: imports[m])
    assert groups == [["a", "b", "c"]]


def test_a_cycle_closed_by_a_type_checking_import_is_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "cyc/__init__.py": "",
            "cyc/bot.py": "from cyc import handover\n",
            "cyc/handover.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyc.bot import Bot\n"
            ),
            "cyc/lease.py": "from cyc import lease_pg\n",
            "cyc/lease_pg.py": "def f():\n    from cyc import lease\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    full = grimp.build_graph("cyc", cache_dir=None)
    runtime = grimp.build_graph("cyc", cache_dir=None, exclude_type_checking_imports=True)
    assert [c["modules"] for c in import_cycles(runtime, ["cyc"], "run time")] == [
        ["cyc.lease", "cyc.lease_pg"]
    ]
    assert [c["modules"] for c in import_cycles(full, ["cyc"], "typed")] == [
        ["cyc.bot", "cyc.handover"],
        ["cyc.lease", "cyc.lease_pg"],
    ]


def test_no_cycle_among_the_product_modules_at_run_time() -> None:
    graph = grimp.build_graph(
        "traderagent", "strategies", "storage", "tui", exclude_type_checking_imports=True
    )
    modules = {
        m
        for m in graph.modules
        if m.split(".")[0] in ("traderagent", "strategies", "storage", "tui")
    }
    assert strongly_connected(modules, graph.find_modules_directly_imported_by) == []


def test_a_reach_into_another_modules_private_is_found(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/bot.py": (
                "class Bot:\n"
                "    def __init__(self):\n"
                "        self._count = 0\n"
                "    def _apply(self):\n"
                "        return self._count\n"
                "    def __eq__(self, other):\n"
                "        return self._count == other._count\n"
            ),
            "pkg/handover.py": (
                "from pkg.bot import _helper\n"
                "def hand_over(bot):\n"
                "    bot._apply()\n"
                "    return bot._count, bot.public, bot.__class__\n"
            ),
            "pkg/ok.py": "import os\ndef leave(t):\n    os._exit(0)\n    return t._asdict()\n",
            "pkg/marker.py": "def mark(exchange):\n    exchange._timed = True\n",
        },
    )
    assert foreign_privates(tmp_path, ["pkg"]) == [
        "pkg/handover.py:1: from pkg.bot import _helper",
        "pkg/handover.py:3: bot._apply",
        "pkg/handover.py:4: bot._count",
        "pkg/marker.py:2: exchange._timed",
    ]


def test_the_product_code_reaches_into_no_private_names() -> None:
    root = Path(__file__).parents[2]
    assert foreign_privates(root, ["traderagent", "strategies", "storage", "tui"]) == []
