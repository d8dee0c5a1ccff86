"""Small corpora written by the tests themselves (no data set is downloaded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "",
    "Attention lets every token look at every other token and decide how much each one matters.",
    "When Mary and John went to the store, John gave a drink to Mary.",
    "   ",
    "東京はとても美しい街です。春には桜が咲きます。",
    "The cat sat on the mat because it was tired.",
    "A short one.",
    "Researchers average attention statistics over thousands of prompts to find heads that do one job.",
]


def write_txt(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    return path


def write_jsonl(path: Path, texts: list[str], field: str = "text") -> Path:
    path.write_text("".join(json.dumps({field: t, "id": i}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    return path


def write_parquet(path: Path, texts: list[str | None], column: str = "text", row_group_size: int = 3) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({column: pa.array(texts, pa.string())}), path, row_group_size=row_group_size)
    return path


@pytest.fixture
def corpus_txt(tmp_path: Path) -> Path:
    return write_txt(tmp_path / "corpus.txt", TEXTS)
