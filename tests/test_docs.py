"""The README stays in step with the code: commands, layer kinds, mistake codes, and the
files its two newcomer commands use."""
import re
import shlex

import pytest

from grader.cli import COMMANDS, build_parser
from grader.layers import FRAMEWORKS, kinds
from grader.mistakes import CATALOGUE

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_blocks():
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def test_the_readme_opens_with_the_two_newcomer_commands():
    first, second = _code_blocks()[:2]
    assert "pip install ." in first and "grader grade" in first
    assert '.[test,frameworks,browser,serve]' in second and "pytest" in second


def test_the_first_command_uses_files_that_exist():
    words = shlex.split(_code_blocks()[0])
    grade = words[words.index("grade") + 1:]
    exercise, submissions = grade[0], grade[1]
    assert (ROOT / exercise).is_file() and (ROOT / submissions).is_dir()


def test_ci_installs_and_runs_what_the_readme_says():
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet -e ".[test,frameworks,browser,serve]"' in ci
    assert "python -m pytest" in ci


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_documented(command):
    assert f"grader {command}" in README
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    assert "example" in (sub.epilog or ""), f"grader {command} --help has no example"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_layer_kind_is_in_the_supported_layers_table(framework):
    heading = "| Keras 3 |" if framework == "keras" else "| PyTorch |"
    table = README.split(heading, 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"[A-Za-z0-9]+", table))
    types = {kind.type for kind in kinds(framework).values()}
    assert types - listed == set()


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_mistake_code_is_explained(code):
    assert f"`{code}`" in README


EXERCISES_README = (ROOT / "exercises" / "README.md").read_text(encoding="utf-8")


def test_user_docs_point_to_the_repository_only():
    """The README, --help and the exercise reference never send a user to files they do not have."""
    parser = build_parser()
    helps = [parser.format_help()] + [sub.format_help() for sub in next(
        a for a in parser._actions if a.dest == "command").choices.values()]
    for name, text in [("README.md", README), ("exercises/README.md", EXERCISES_README), *(("--help", h) for h in helps)]:
        assert "SPEC" not in text and "shared/" not in text, name


def test_the_exercise_reference_names_every_key_quantity_and_setting():
    from grader.exercise import GRADING_KEYS, QUANTITIES, REVEALS, TOP_KEYS

    for word in (*TOP_KEYS, *QUANTITIES, *GRADING_KEYS, *REVEALS):
        assert f"`{word}`" in EXERCISES_README, word
    assert "exercises/README.md" in README
