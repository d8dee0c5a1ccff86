"""Writes the lesson notebooks, attention_handson_ja.ipynb and attention_handson_en.ipynb, from one
source, notebooks/lesson_cells.py, so that the two languages teach the same code (tests/notebooks
checks that the stored files are what this script writes, that they carry no outputs, and that each
code cell is the same program in both languages: the same syntax tree once its strings are set aside).

    make lesson      # or: python notebooks/build_lesson.py, after editing a cell in lesson_cells.py
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("lesson_cells", HERE / "lesson_cells.py")
cells_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cells_module)  # type: ignore[union-attr]
CELLS = cells_module.CELLS  # [(kind, ja, en)], notebooks/lesson_cells.py


def notebook(lang: str) -> dict:
    """The lesson in `lang` as an nbformat 4.5 notebook (a dict), without outputs."""
    index = 1 if lang == "ja" else 2
    cells = []
    for n, cell in enumerate(CELLS):
        kind, text = cell[0], cell[index]
        entry = {"cell_type": kind, "id": f"{lang}-{n:02d}", "metadata": {}, "source": text.splitlines(keepends=True)}
        if kind == "code":
            entry.update(execution_count=None, outputs=[])
        cells.append(entry)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def text(lang: str) -> str:
    """The notebook file's text, as Jupyter writes it (indent 1, a final newline)."""
    return json.dumps(notebook(lang), ensure_ascii=False, indent=1) + "\n"


def path(lang: str) -> Path:
    return HERE / f"attention_handson_{lang}.ipynb"


def main() -> None:
    for lang in ("ja", "en"):
        path(lang).write_text(text(lang), encoding="utf-8")
        print(f"wrote {path(lang)}")


if __name__ == "__main__":
    main()
