"""The import audit: what a strategy file's source says it reaches for, without running it.

Errors: importing a module of the clock, the network, the file system or processes, the
program's own parts beyond the domain and the indicators (a strategy that loads candles
itself can read the future), and calls of `open`, `input`, `print`, `eval`, `exec`,
`__import__`, `datetime.now` and the like. Notes: the module-level `random` functions and an
unseeded `random.Random()`, whose effect the determinism check measures (a note names the
likely cause when that check fails).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

FORBIDDEN_MODULES = {
    "time": "the clock (use ctx.ts, the engine's time)",
    "os": "the file system and the environment",
    "sys": "the interpreter and its streams",
    "io": "files",
    "pathlib": "files",
    "shutil": "files",
    "tempfile": "files",
    "glob": "files",
    "pickle": "files",
    "shelve": "files",
    "sqlite3": "a database",
    "socket": "the network",
    "ssl": "the network",
    "select": "the network",
    "selectors": "the network",
    "http": "the network",
    "urllib": "the network",
    "requests": "the network",
    "httpx": "the network",
    "aiohttp": "the network",
    "websockets": "the network",
    "websocket": "the network",
    "ccxt": "an exchange",
    "pybit": "an exchange",
    "subprocess": "processes",
    "multiprocessing": "processes",
    "threading": "threads",
    "concurrent": "threads",
    "asyncio": "an event loop (a strategy answers at once)",
    "signal": "processes",
    "importlib": "importing code at run time",
    "secrets": "randomness from the operating system",
    "uuid": "the clock and randomness from the operating system",
    "logging": "log files (return what you decide; `describe` says your state)",
}
"""Top-level modules a strategy may not import, and what each reaches."""
ALLOWED_OWN = ("traderagent.domain", "traderagent.indicators", "strategies")
"""The program's own packages a strategy may import (`strategies` for `strategies.base`)."""
FORBIDDEN_CALLS = {
    "open": "opens a file",
    "input": "reads the terminal",
    "print": "writes to the terminal (the TUI owns it; say your state in `describe`)",
    "eval": "runs code built at run time",
    "exec": "runs code built at run time",
    "compile": "builds code at run time",
    "__import__": "imports code at run time",
    "breakpoint": "stops the program",
}
CLOCK_METHODS = {"now", "utcnow", "today"}
RANDOM_FUNCTIONS = {
    "random",
    "randint",
    "randrange",
    "choice",
    "choices",
    "shuffle",
    "sample",
    "uniform",
    "gauss",
    "normalvariate",
    "betavariate",
    "expovariate",
    "triangular",
    "getrandbits",
    "randbytes",
}


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    what: str
    error: bool
    """An error fails the purity check; a note (randomness) only explains a determinism one."""

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


def audit_file(path: Path) -> list[Finding]:
    """Everything the source of `path` reaches for, in line order."""
    return audit_source(path.read_text(encoding="utf-8"), str(path))


def audit_source(source: str, filename: str = "<strategy>") -> list[Finding]:
    tree = ast.parse(source, filename)
    findings: list[Finding] = []
    random_names: set[str] = set()  # names bound to module-level random functions
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                findings.extend(_imported(node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            findings.extend(_imported(node.lineno, node.module))
            if node.module == "random":
                random_names |= {a.asname or a.name for a in node.names} & RANDOM_FUNCTIONS
        elif isinstance(node, ast.Call):
            findings.extend(_called(node, random_names))
    return sorted(findings, key=lambda f: f.line)


def _imported(line: int, module: str) -> list[Finding]:
    top = module.split(".")[0]
    if top in FORBIDDEN_MODULES:
        return [Finding(line, f"imports {module}: {FORBIDDEN_MODULES[top]}", True)]
    own = top in ("traderagent", "storage", "tui")
    if own and not module.startswith(ALLOWED_OWN):
        return [
            Finding(
                line,
                f"imports {module}: a strategy imports only traderagent.domain and "
                "traderagent.indicators (market data reaches it through on_candle)",
                True,
            )
        ]
    return []


def _called(node: ast.Call, random_names: set[str]) -> list[Finding]:
    func, line = node.func, node.lineno
    if isinstance(func, ast.Name):
        if func.id in FORBIDDEN_CALLS:
            return [Finding(line, f"calls {func.id}(): {FORBIDDEN_CALLS[func.id]}", True)]
        if func.id in random_names:
            return [Finding(line, f"calls {func.id}() of the shared unseeded random", False)]
        if func.id == "Random" and not node.args and not node.keywords:
            return [Finding(line, "Random() without a seed", False)]
        return []
    if not isinstance(func, ast.Attribute):
        return []
    owner = func.value.id if isinstance(func.value, ast.Name) else ""
    if func.attr in CLOCK_METHODS and owner in ("datetime", "date", "dt", "pd", "Timestamp"):
        return [Finding(line, f"calls {owner}.{func.attr}(): reads the clock (use ctx.ts)", True)]
    if owner == "random" and func.attr in RANDOM_FUNCTIONS:
        return [Finding(line, f"calls random.{func.attr}(): the shared unseeded random", False)]
    if owner == "random" and func.attr == "Random" and not node.args and not node.keywords:
        return [Finding(line, "random.Random() without a seed", False)]
    return []
