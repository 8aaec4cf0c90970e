"""Shared test setup: Keras runs on the PyTorch backend (the only one installed here)."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"


@pytest.fixture
def root() -> Path:
    return ROOT
