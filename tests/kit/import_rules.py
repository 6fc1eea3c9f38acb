"""Two import-linter contract types of our own (`[tool.importlinter] contract_types`), so that
`lint-imports` (`make contracts`, and `tests/unit/test_import_contracts.py`) enforces them:

- `acyclic`: no import cycle among the modules of the given packages (a strongly connected
  group of two or more modules is named with its imports);
- `own_privates`: no product module reaches into another module's private names: `x._name`
  where `x` is not `self`/`cls` and `_name` is defined by another module of the packages (and
  not by this one), `x._name = ...` of a name this module does not define (a private stuck on
  someone else's object), and `from module import _name` of a module of the packages.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output


class AcyclicContract(Contract):
    """No cycles among the modules of `packages`, at run time nor for the type checker (a
    cycle closed by a `TYPE_CHECKING` import). `type_only_allowed_in`: module prefixes inside
    which a cycle closed only by type-checking imports is tolerated for now (a group of modules
    with any module outside them, or with a cycle at run time, breaks the contract)."""

    type_name = "acyclic"

    packages = fields.ListField(subfield=fields.StringField())
    type_only_allowed_in = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages = [str(p) for p in self.packages]  # type: ignore[attr-defined]
        allowed = tuple(str(p) for p in (self.type_only_allowed_in or []))  # type: ignore[attr-defined]
        runtime = grimp.build_graph(*packages, exclude_type_checking_imports=True)
        cycles = import_cycles(runtime, packages, "at run time")
        cycles += [
            cycle
            for cycle in import_cycles(graph, packages, "counting type-checking imports")
            if not all(_within(module, allowed) for module in cycle["modules"])
        ]
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(
                f"an import cycle of {len(cycle['modules'])} modules, {cycle['when']}:"
            )
            output.new_line()
            for importer, imported in cycle["imports"]:
                output.indent_cursor()
                output.print_error(f"{importer} -> {imported}", bold=False)
            output.new_line()


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def import_cycles(graph: grimp.ImportGraph, packages: list[str], when: str) -> list[dict[str, Any]]:
    modules = {m for m in graph.modules if m.split(".")[0] in packages}
    imports_of = graph.find_modules_directly_imported_by
    return [
        {
            "modules": group,
            "when": when,
            "imports": [(a, b) for a in group for b in sorted(imports_of(a)) if b in group],
        }
        for group in strongly_connected(modules, imports_of)
    ]


def strongly_connected(modules: set[str], imports_of: object) -> list[list[str]]:
    """Tarjan's strongly connected components of two or more of `modules` (sorted)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(modules) + 100))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in imports_of(v):  # type: ignore[operator]
            if w not in modules:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return sorted(groups)


class OwnPrivatesContract(Contract):
    """No module of `packages` touches another module's private names (see the module doc)."""

    type_name = "own_privates"

    packages = fields.ListField(subfield=fields.StringField())
    root = fields.StringField(required=False, default=".")

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages = [str(p) for p in self.packages]  # type: ignore[attr-defined]
        found = foreign_privates(Path(str(self.root)), packages)
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["found"]:
            output.print_error(line, bold=False)
        output.new_line()
        output.print_error(
            "give the owner a public method (or a small protocol) instead of reaching in"
        )


def _sources(root: Path, packages: Iterable[str]) -> Iterator[Path]:
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations/versions" not in path.as_posix():
                yield path


def _defined_privates(tree: ast.AST) -> set[str]:
    """The private names a module defines: functions, classes, module and class attributes,
    and attributes it sets on `self`/`cls`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
    return {n for n in names if _private(n)}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def foreign_privates(root: Path, packages: list[str]) -> list[str]:
    """`path:line: expression` for each reach into another module's private names."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in _sources(root, packages)}
    owners: dict[str, set[Path]] = defaultdict(set)
    for path, tree in trees.items():
        for name in _defined_privates(tree):
            owners[name].add(path)
    found: list[str] = []
    for path, tree in trees.items():
        where = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    continue
                defined_by = owners.get(node.attr, set())
                if path in defined_by:
                    continue
                if defined_by or isinstance(
                    node.ctx, ast.Store
                ):  # a private set on another's object
                    found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] not in packages:
                    continue
                for alias in node.names:
                    if _private(alias.name):
                        found.append(
                            f"{where}:{node.lineno}: from {node.module} import {alias.name}"
                        )
    return sorted(found)
