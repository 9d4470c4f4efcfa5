"""Benchmark of the migration engine: median milliseconds per repository over the migrated fixtures, and for
the seed-shaped one, next to plain ruamel.yaml round-trip load+dump of the same workflow files.

    .venv/bin/python scripts/bench_migrate.py [--rounds N]

The ratio (engine / plain load+dump) is the figure issue "migration engine" asks to keep <= 1.5 on the
seed-shaped fixture. Timings are medians of N rounds, each over files already in memory (no disk I/O)."""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fixture_repos import cases, tree  # noqa: E402

from codemod.engine import migrate_texts  # noqa: E402
from codemod.repofiles import RepoFiles  # noqa: E402


def plain_roundtrip(texts: list[str]) -> None:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    for text in texts:
        data = yaml.load(text)
        yaml.dump(data, io.StringIO())


def median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    rows = []
    for case in cases():
        if case.outcome != "migrated":
            continue
        files = tree(case.before)
        texts = [b.decode() for p, b in files.items() if p.startswith(".github/workflows/")]
        cfg = case.config

        def engine(files=files, cfg=cfg, case=case):
            result = migrate_texts(RepoFiles.from_bytes(files), cfg, default_branch=case.default_branch)
            assert result.outcome == "migrated", result.reason

        ours = median_ms(engine, args.rounds)
        plain = median_ms(lambda texts=texts: plain_roundtrip(texts), args.rounds)
        rows.append((case.name, sum(len(t) for t in texts), ours, plain))
    print(f"{'fixture':<28}{'bytes':>8}{'engine ms':>12}{'ruamel ms':>12}{'ratio':>8}")
    for name, size, ours, plain in rows:
        print(f"{name:<28}{size:>8}{ours:>12.2f}{plain:>12.2f}{ours / plain:>8.2f}")
    print(f"median engine ms per repository: {statistics.median(r[2] for r in rows):.2f}")
    largest = max(rows, key=lambda r: r[1])
    print(f"largest fixture: {largest[0]} ({largest[1]} bytes): {largest[2]:.2f} ms")
    seed = next(r for r in rows if r[0] == "seed")
    print(f"seed-shaped fixture ratio (engine / plain ruamel load+dump): {seed[2] / seed[3]:.2f}")


if __name__ == "__main__":
    main()
