"""`traderagent strategy new NAME`: a documented template strategy and its pytest test."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from traderagent.plugins.errors import PluginError
from traderagent.plugins.templates import STRATEGY, TEST

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def names_of(name: str) -> tuple[str, str]:
    """`my-dip`, `my_dip` or `MyDip` -> (`my_dip`, `MyDip`): the module (and kind) and class."""
    words = _WORDS.findall(name)
    snake = "_".join(w.lower() for w in words)
    if (
        not words
        or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name)
        or not snake[0].isalpha()
        or keyword.iskeyword(snake)
    ):
        raise PluginError(
            f"{name!r} is not a strategy name: use letters, digits, '-' or '_', starting with a "
            "letter (e.g. rsi_dip)"
        )
    return snake, "".join(w[0].upper() + w[1:] for w in words)


def scaffold(name: str, directory: Path) -> tuple[Path, Path]:
    """Write `<module>.py` and `test_<module>.py` into `directory`; PluginError when either
    exists already (nothing is overwritten) or cannot be written."""
    module, cls = names_of(name)
    strategy_path = directory / f"{module}.py"
    test_path = directory / f"test_{module}.py"
    for path in (strategy_path, test_path):
        if path.exists():
            raise PluginError(f"{path} exists already: nothing written (choose another name)")
    values = {
        "__TITLE__": module.replace("_", " ").capitalize(),
        "__CLASS__": cls,
        "__KIND__": module,
        "__MODULE__": module,
        "__PATH__": str(strategy_path),
        "__TEST__": str(test_path),
    }
    try:
        directory.mkdir(parents=True, exist_ok=True)
        strategy_path.write_text(_fill(STRATEGY, values), encoding="utf-8")
        test_path.write_text(_fill(TEST, values), encoding="utf-8")
    except OSError as err:
        raise PluginError(f"{directory}: cannot write there ({err.strerror})") from None
    return strategy_path, test_path


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(key, value)
    return template
