"""`traderagent optimize --storage URL [--study NAME] --show`: a shared study's state, read
only (nothing is run, created or changed): its trials by state and by worker, the best one,
and the trials running now with their worker. Without a study name: every study in the
storage with its trial count."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from traderagent.optimize.grid_search import SearchError
from traderagent.optimize.study_storage import StudyStorage, storage_url


def show_lines(url: str, study: str | None) -> list[str]:
    """What `--show` prints. SearchError for a study the storage does not hold."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    file = _sqlite_file(url)
    if file is not None and not file.exists():
        raise SearchError(f"--storage: no study database at {file}")
    with StudyStorage(url, create=False) as storage:
        summaries = storage.call(optuna.get_all_study_summaries, storage.storage)
        names = sorted(s.study_name for s in summaries)
        if study is None:
            if not summaries:
                return [f"No study in {storage.label}"]
            lines = [f"Studies in {storage.label}:"]
            for s in sorted(summaries, key=lambda s: s.study_name):
                lines.append(f"  {s.study_name}: {s.n_trials} trials")
            return lines
        if study not in names:
            held = ", ".join(names) or "none"
            raise SearchError(f"no study named {study!r} in {storage.label} (studies: {held})")
        loaded = storage.call(optuna.load_study, study_name=study, storage=storage.storage)
        trials = storage.call(loaded.get_trials, deepcopy=False)
        return _study_lines(loaded, trials, storage.label)


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    target, _ = storage_url(url)
    database = make_url(target).database
    if not target.startswith("sqlite") or not database or database == ":memory:":
        return None
    return Path(database)


def _study_lines(study: Any, trials: list[Any], label: str) -> list[str]:
    from optuna.trial import TrialState

    states = Counter(t.state.name.lower() for t in trials)
    by_state = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none"
    directions = ", ".join(d.name.lower() for d in study.directions)
    workers = Counter(str(t.user_attrs.get("worker", "?")) for t in trials if t.state.is_finished())
    lines = [
        f"Study {study.study_name} in {label} ({directions})",
        f"  trials   {len(trials)} ({by_state})",
    ]
    if workers:
        each = ", ".join(f"{w} {n}" for w, n in sorted(workers.items()))
        lines.append(f"  workers  {len(workers)}, finished trials each: {each}")
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    signs = [1.0 if d.name == "MAXIMIZE" else -1.0 for d in study.directions]
    for t in _front(complete, signs)[:5]:
        values = ", ".join(f"{v:.6g}" for v in t.values)
        params = ", ".join(f"{k}={v}" for k, v in sorted(t.params.items()))
        lines.append(f"  best     trial {t.number}: {values} ({params})")
    for t in trials:
        if t.state == TrialState.RUNNING:
            worker = t.user_attrs.get("worker", "?")
            lines.append(
                f"  running  trial {t.number} on {worker} since {t.datetime_start:%H:%M:%S}"
            )
    return lines


def _front(trials: list[Any], signs: list[float]) -> list[Any]:
    """The trials no other beats on every objective (one objective: the best), by number.
    Optuna's values only: `optimize` itself also applies the run's constraints."""

    def key(t: Any) -> list[float]:
        return [s * v for s, v in zip(signs, t.values, strict=True)]

    def beaten(t: Any) -> bool:
        mine = key(t)
        for other in trials:
            theirs = key(other)
            if theirs != mine and all(a >= b for a, b in zip(theirs, mine, strict=True)):
                return True
        return False

    return sorted((t for t in trials if not beaten(t)), key=lambda t: t.number)
