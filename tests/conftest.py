"""Shared test helpers: where the repository and the shared corpus are."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# ../shared sits beside the repository on developer machines and in CI.
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def corpus_manifest() -> list[dict[str, str]]:
    """Rows of ../shared/corpus/MANIFEST.tsv, or [] when the corpus is absent."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture
def corpus_rows() -> list[dict[str, str]]:
    rows = corpus_manifest()
    if not rows:
        pytest.skip(f"the shared workflow corpus is absent ({CORPUS}); it is test data kept outside the repository")
    return rows
