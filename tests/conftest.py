"""Shared test setup: Keras runs on the PyTorch backend (the only one installed here)."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
# the project's reference samples (LMS formats, the origin notebook), vendored for CI
SHARED = ROOT / "tests" / "fixtures" / "shared"
FORMATS = SHARED / "formats"
ORIGIN = SHARED / "origin" / "000_619ad5a882608eb1.txt"


@pytest.fixture
def root() -> Path:
    return ROOT


# -- shared helpers -------------------------------------------------------------------------

import ast  # noqa: E402
import operator  # noqa: E402
import shutil  # noqa: E402

_OPS = {ast.Add: operator.add, ast.Mult: operator.mul}


def evaluate_formula(text: str) -> int:
    """The value of a worked formula such as ``(3*3*3 + 1) * 64`` (+, * and integers only).

    Our own formulas, evaluated in tests to check they equal the counts."""
    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](value(node.left), value(node.right))
        raise ValueError(f"unexpected {ast.dump(node)} in formula {text!r}")
    return value(ast.parse(text, mode="eval").body)


CHROMIUM = os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright, or a skip that says what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (extra 'browser')")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GRADER_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        try:
            launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser here"
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {exc}")
        yield launched
        launched.close()
