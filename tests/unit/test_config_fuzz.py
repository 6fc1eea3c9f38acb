"""Careless and hostile config files: `config check` and `run` answer every one with exit 0 or
2 and a one-line message, within a second, never a traceback."""

from __future__ import annotations

import contextlib
import gc
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit.factories import SMALL_CONFIG, write_config

from traderagent.cli import main
from traderagent.commands.config import config_check

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.yaml"))
DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}")
BASES = [yaml.safe_load(SMALL_CONFIG)] + [
    yaml.safe_load(DEFAULTED.sub(r"\1", p.read_text())) for p in CONFIGS
]
CPU_BOUND_S = 1.0
"""CPU seconds of this thread (`thread_time`): the process's CPU counts other threads a test
left running too, and a CI run failed at 1.01 s on an input that takes ~0.3 s."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["-1", "0", "1e400", "-inf", "NaN", "", "max", "x" * 500, "é\u0000", "[["]),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += paths(value, (*prefix, index))
    return found


def replaced(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    if isinstance(tree, dict):
        return {k: replaced(v, path[1:], value) if k == path[0] else v for k, v in tree.items()}
    return [replaced(v, path[1:], value) if i == path[0] else v for i, v in enumerate(tree)]


@st.composite
def mutated_configs(draw: st.DrawFn) -> bytes:
    base = draw(st.sampled_from(BASES))
    where = draw(st.sampled_from(paths(base)))
    tree = replaced(base, where, draw(values))
    return yaml.safe_dump(tree, allow_unicode=True).encode()


def alias_bomb(width: int, depth: int) -> bytes:
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    for level in range(1, depth):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


hostile = st.one_of(
    mutated_configs(),
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode()),
    st.integers(1, 3000).map(lambda n: b"a: " + b"[" * n + b"]" * n),
    st.integers(1, 3000).map(lambda n: "".join(f"{' ' * i}k:\n" for i in range(n)).encode()),
    st.tuples(st.integers(2, 12), st.integers(2, 12)).map(lambda wd: alias_bomb(*wd)),
)


def checked(path: Path) -> tuple[int, str]:
    """`config check` in this process: its exit code and what it wrote to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = config_check(path)
    return code, err.getvalue()


@pytest.fixture(scope="module", autouse=True)
def _imports_done(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One whole check first: the imports a first check makes (the config models, the strategy
    registry and its plugins) are paid once per process, not per file, and are not what the
    CPU bound below is about."""
    assert checked(write_config(tmp_path_factory.mktemp("warm")))[0] == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=hostile)
def test_config_check_answers_any_file_with_0_or_2_quickly(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "config.yaml"
    path.write_bytes(content)
    gc.disable()  # no collection of the suite's whole heap in the timing: not the check's work
    try:
        started = time.thread_time()
        code, err = checked(path)
        spent = time.thread_time() - started
    finally:
        gc.enable()
    assert spent < CPU_BOUND_S
    assert code in (0, 2)
    assert (code == 2) == err.startswith("error: "), err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "content, says",
    [
        (b"mode: paper\nbots: \xff\xfe\n", "not UTF-8 text (byte 0xff at offset 18)"),
        (b"a: " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (alias_bomb(9, 9), "once YAML aliases are expanded"),
        (
            SMALL_CONFIG.encode() + b'paper:\n  balances: {USDT: "-5"}\n',
            "the USDT balance must be a finite amount >= 0",
        ),
        (SMALL_CONFIG.encode() + b'paper:\n  balances: {USDT: "Infinity"}\n', "finite number"),
    ],
    ids=["not-utf8", "deep", "alias-bomb", "negative-balance", "infinite-balance"],
)
def test_config_check_and_run_refuse_in_one_line(
    tmp_path: Path, content: bytes, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    for argv in (["config", "check", str(path)], ["run", "--headless", "--config", str(path)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert says in err and err.count("\n") == 1, err


def test_a_long_rejected_value_is_not_quoted_whole(tmp_path: Path) -> None:
    path = write_config(tmp_path, SMALL_CONFIG.replace("levels: 21", f"levels: {'9x' * 5000}"))
    code, err = checked(path)
    assert code == 2 and "levels" in err and len(err) < 400


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql://ops:s3cret@db.local:notaport/ta", "not a database URL"),
        ("postgresql://ops:s3cret@[::1/ta", "not a database URL"),
        ("mysql://ops:s3cret@db.local/ta", "unsupported database 'mysql'"),
    ],
)
def test_a_malformed_database_url_is_one_line_without_its_password(
    tmp_path: Path, url: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, SMALL_CONFIG + f'storage:\n  database_url: "{url}"\n')
    for argv in (["config", "check", str(path)], ["run", "--headless", "--config", str(path)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert says in err and err.count("\n") == 1, err
        assert "s3cret" not in err


@pytest.mark.parametrize(
    "old, new",
    [('upper: "24000"', 'upper: "1e308"'), ('amount_per_level: "200"', 'amount_per_level: "1e16"')],
)
def test_an_amount_beyond_exact_arithmetic_is_refused_before_run(
    tmp_path: Path, old: str, new: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path, SMALL_CONFIG.replace(old, new).replace("levels: 21", "levels: 41")
    )
    db = str(tmp_path / "x.db")
    for argv in (
        ["config", "check", str(path)],
        ["run", "--headless", "--no-api", "--config", str(path), "--db", db],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "is out of range (amounts and prices are below 1e+15)" in err, err
        assert err.count("\n") == 1
