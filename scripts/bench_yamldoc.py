"""Benchmark the YAML layer over the shared corpus: YamlDocument.parse+render against plain ruamel.yaml.

Usage: .venv/bin/python scripts/bench_yamldoc.py [--repeat N] [--corpus DIR]

Over every valid_yaml=yes file of ../shared/corpus (the ones YamlDocument accepts), prints files/s and the
median milliseconds per file of (a) YamlDocument.parse + render (nothing edited) and (b) a plain ruamel.yaml
round trip (YAML(), preserve_quotes=True, width=4096, load + dump), then the ratio ours/plain (target: <= 1.2).
It also counts the files that YamlDocument composes with libyaml (the others go through ruamel.yaml's parser).
For information it also times one edit (insert a root key): render then splices and re-parses its output to
check it. Each file is timed `--repeat` times and its best time kept, which damps a shared machine's noise.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402

from codemod import yamldoc  # noqa: E402
from codemod.errors import InputError  # noqa: E402
from codemod.yamldoc import YamlDocument  # noqa: E402


def corpus_texts(corpus: Path) -> list[tuple[str, str]]:
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["valid_yaml"] == "yes"]
    texts = []
    for row in rows:
        text = (corpus / "workflows" / row["file"]).read_bytes().decode("utf-8")
        try:
            YamlDocument.parse(text, row["file"])
        except InputError:
            continue  # refused on purpose (duplicate keys, comments only): not comparable
        texts.append((row["file"], text))
    return texts


def ours(text: str) -> None:
    YamlDocument.parse(text).render()


def ours_edited(text: str) -> None:
    """One small edit, so render splices and checks itself (a second parse)."""
    doc = YamlDocument.parse(text)
    doc.insert_entry((), "zz-bench", "x")
    doc.render()


def plain_ruamel(text: str) -> None:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(text)
    yaml.dump(data, io.StringIO())


def measure(func: Callable[[str], None], texts: list[tuple[str, str]], repeat: int) -> list[float]:
    times = []
    for _name, text in texts:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            func(text)
            best = min(best, time.perf_counter() - start)
        times.append(best)
    return times


def report(label: str, times: list[float]) -> None:
    total = sum(times)
    print(
        f"{label:<34} {len(times) / total:8.1f} files/s   median {statistics.median(times) * 1000:7.2f} ms/file"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args(argv)
    if not (args.corpus / "MANIFEST.tsv").is_file():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    texts = corpus_texts(args.corpus)
    print(f"{len(texts)} valid corpus files, best of {args.repeat} runs each")
    fast = sum(yamldoc._fast_compose(text.removeprefix("\ufeff")) is not None for _name, text in texts)
    print(f"composed by libyaml (the rest by ruamel.yaml): {fast} of {len(texts)}")
    mine = measure(ours, texts, args.repeat)
    base = measure(plain_ruamel, texts, args.repeat)
    edited = measure(ours_edited, texts, args.repeat)
    report("YamlDocument.parse + render", mine)
    report("ruamel.yaml load + dump", base)
    report("(one edit: parse+insert+render+check)", edited)
    ratio_total = sum(mine) / sum(base)
    ratio_median = statistics.median(mine) / statistics.median(base)
    print(
        f"ratio ours/plain: {ratio_total:.2f} (total time), {ratio_median:.2f} (median per file); target <= 1.2"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
