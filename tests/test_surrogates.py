"""Text no UTF-8 file can hold (lone surrogates from JSON escapes, file names that are not
UTF-8) never stops a class: it reaches the reports as U+FFFD."""
import json
import os

from grader.cli import main
from grader.readers.surrogates import clean_text, clean_tree, may_hold_surrogates

from .conftest import EXERCISES

TABLE = "| layer | output shape | params |\n|---|---|---|\n| conv1 | 6x6x64 | 17\ud80092 |\n"


def _notebook(source: str) -> str:
    cell = {"cell_type": "markdown", "metadata": {"tags": ["answers"]}, "source": source}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 2})


def test_clean_text_keeps_pairs_and_replaces_lone_halves():
    assert clean_text("a\ud83d\ude00b") == "a\U0001F600b"
    assert clean_text("17\ud80092") == "17\ufffd92"
    assert clean_text("caf\udce9") == "caf\ufffd"
    assert clean_tree({"k\udc80": ["x\ud800", 3]}) == {"k\ufffd": ["x\ufffd", 3]}
    assert may_hold_surrogates(b'"\\ud800"') and not may_hold_surrogates(b'"\\u00e9"')


def test_a_class_with_unwritable_text_is_graded_whole(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lone.ipynb").write_text(_notebook(TABLE), encoding="utf-8")
    (folder / "answers.json").write_text(json.dumps({"conv1": {"params": "17\ud800"}}), encoding="utf-8")
    odd = os.path.join(os.fsencode(folder), b"caf\xe9_notebook.ipynb")
    with open(odd, "w", encoding="utf-8") as fh:
        fh.write(_notebook(TABLE.replace("\ud800", "")))
    out = tmp_path / "out"
    assert main(["grade", str(EXERCISES / "cnn-8x8x3.yaml"), str(folder), "--out", str(out), "--jobs", "1"]) == 0
    assert "graded 3 of 3 submissions" in capsys.readouterr().out
    texts = [p.read_bytes().decode("utf-8") for p in out.rglob("*") if p.is_file()]
    joined = "".join(texts)
    assert "17\ufffd92" in joined and "caf\ufffd" in joined


def test_check_writes_a_report_for_a_lone_surrogate(tmp_path):
    path = tmp_path / "lone.ipynb"
    path.write_text(_notebook(TABLE), encoding="utf-8")
    html = tmp_path / "report.html"
    assert main(["check", str(EXERCISES / "cnn-8x8x3.yaml"), str(path), "--html", str(html)]) == 0
    assert "17\ufffd92" in html.read_text(encoding="utf-8")
