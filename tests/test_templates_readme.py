"""templates/README.md stays in step with the templates: it names every template file and every
name of the views they receive, so that an instructor overriding one knows what there is."""
from __future__ import annotations

import re

import pytest

from grader.overview import ClassRun, overview_view
from grader.report import report_view, templates_path

from .test_report import EXERCISE, partly_right

README = (templates_path() / "README.md").read_text(encoding="utf-8")
NAMED = set(re.findall(r"`([^`\s]+)`", README))


@pytest.mark.parametrize("name", sorted(p.name for p in templates_path().iterdir() if p.name != "README.md"))
def test_every_template_is_described(name):
    assert f"| `{name}` |" in README


@pytest.mark.parametrize("view", ["report", "overview"])
def test_every_name_of_the_views_is_named(view):
    keys = report_view(partly_right(), EXERCISE) if view == "report" else overview_view(EXERCISE, [], ClassRun())
    assert sorted(set(keys) - NAMED) == []
