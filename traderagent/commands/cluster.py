"""`traderagent cluster`: group symbols by volatility (ATR %) and liquidity (hourly quote
volume) and write a starting grid preset per group (the rule: `traderagent.optimize.clusters`).

Bad input (no candle files, too little data, a k larger than the symbols) exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands
from traderagent.commands.output import write_text

if TYPE_CHECKING:
    from traderagent.optimize.clusters import Cluster


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "cluster",
        help="group symbols by ATR %% and volume; a starting grid preset per group",
        description=(
            "Measure each symbol's ATR % (ATR(14) on 1h bars / price, median) and hourly "
            "quote volume (median), group the symbols with k-means, and write a starting grid "
            "preset per group."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-dir", type=Path, metavar="DIR", help="one candle file per symbol")
    source.add_argument("--store", action="store_true", help="the local candle store instead")
    parser.add_argument("--k", type=int, metavar="N", help="groups (default round(sqrt(n/2)))")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path("cluster-presets"),
        metavar="PRESETS",
        help="where the presets go (default ./cluster-presets)",
    )
    parser.add_argument("--balance", default="10000", help="account of each preset (10000)")
    parser.add_argument("--quote", default="USDT", help="quote asset of the balance (USDT)")
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write features and groups (-: standard output)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from traderagent.config import AppConfig, ConfigError
    from traderagent.optimize.cluster_features import (
        ClusterError,
        folder_series,
        measure,
        store_series,
    )
    from traderagent.optimize.clusters import cluster_symbols, preset_data

    try:
        balance = Decimal(args.balance)
        if not balance > 0:
            raise InvalidOperation
    except InvalidOperation:
        print(f"error: --balance must be a positive number, got {args.balance!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        series = store_series() if args.store else folder_series(args.data_dir)
        features = [measure(*s) for s in series]
        clusters = cluster_symbols(features, args.k)
        presets = [preset_data(c, balance, args.quote) for c in clusters]
        for data in presets:
            AppConfig.model_validate(data)
    except (ClusterError, ValueError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        files = [_write(args.out_dir, c, d) for c, d in zip(clusters, presets, strict=True)]
        if args.json is not None:
            text = json.dumps(_json(clusters, presets, files), indent=2)
            write_text(args.json, text + "\n")
    except OSError as err:
        print(f"error: cannot write {err.filename}: {err.strerror}", file=sys.stderr)
        return EXIT_ERROR
    print(_table(clusters, presets, files))
    return EXIT_OK


def _write(folder: Path, cluster: Cluster, data: dict[str, Any]) -> Path:
    from traderagent.backtest.preset import preset_yaml
    from traderagent.config import AppConfig

    members = ", ".join(m.symbol for m in cluster.members)
    note = (
        f"Starting preset of {cluster.name}: {members}\n"
        f"median ATR(14, 1h) {cluster.atr_pct:.3f} %, median quote volume "
        f"{cluster.quote_volume_h:,.0f} per hour; traded on {cluster.representative.symbol}\n"
        "rule: traderagent.optimize.clusters (range +-12 ATR, a level every ATR/2); tune it "
        "with traderagent optimize"
    )
    config = AppConfig.model_validate(data)
    bot = config.bots[0].name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{cluster.name}.yaml"
    target.write_text(preset_yaml(config, bot, note=note), encoding="utf-8")
    return target


def _table(clusters: list[Cluster], presets: list[dict[str, Any]], files: list[Path]) -> str:
    rows = [["cluster", "symbols", "ATR % (1h)", "quote vol/h", "levels", "preset"]]
    for cluster, data, path in zip(clusters, presets, files, strict=True):
        levels = data["bots"][0]["strategy"]["levels"]
        rows.append(
            [
                cluster.name,
                ", ".join(m.symbol for m in cluster.members),
                f"{cluster.atr_pct:.3f}",
                f"{cluster.quote_volume_h:,.0f}",
                str(levels),
                str(path),
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            c.rjust(w) if 2 <= i <= 4 else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    )


def _json(
    clusters: list[Cluster], presets: list[dict[str, Any]], files: list[Path]
) -> dict[str, Any]:
    return {
        "k": len(clusters),
        "symbols": [
            {
                "symbol": m.symbol,
                "source": m.source,
                "atr_pct": m.atr_pct,
                "quote_volume_h": m.quote_volume_h,
                "hours": m.hours,
                "cluster": c.index + 1,
            }
            for c in clusters
            for m in c.members
        ],
        "clusters": [
            {
                "cluster": c.index + 1,
                "members": [m.symbol for m in c.members],
                "representative": c.representative.symbol,
                "atr_pct": c.atr_pct,
                "quote_volume_h": c.quote_volume_h,
                "strategy": p["bots"][0]["strategy"],
                "preset": str(f),
            }
            for c, p, f in zip(clusters, presets, files, strict=True)
        ],
    }
