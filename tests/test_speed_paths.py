"""What makes a class run fast without changing what it writes: a few system calls per
submission (a file read whole through os-level calls, a report staged the same way,
Gradescope's metadata looked up once per folder) and one object per distinct graded item."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.batch import Graded, _write
from grader.errors import SubmissionError
from grader.readers import read_bytes
from grader.readers.identity import find_gradescope_metadata, identify


@pytest.mark.parametrize("size", [1, 1390, 65535, 65536, 65537, 200_001])
@pytest.mark.parametrize("limit", [10, 65536, 1_000_000])
def test_a_file_reads_as_python_reads_it_or_is_over_the_limit(tmp_path, size, limit):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(bytes(range(33, 127)) * (size // 94) + b"x" * (size % 94))
    if size > limit:
        with pytest.raises(SubmissionError, match="over the limit"):
            read_bytes(str(path), "nb.ipynb", limit)
    else:
        assert read_bytes(str(path), "nb.ipynb", limit) == path.read_bytes()


@pytest.mark.parametrize("content,message", [(b"", "the file is empty"), (b" \n\t", "the file is empty")])
def test_an_empty_file_is_named_so(tmp_path, content, message):
    (tmp_path / "a.ipynb").write_bytes(content)
    with pytest.raises(SubmissionError, match=message):
        read_bytes(str(tmp_path / "a.ipynb"), "a.ipynb")


def test_a_folder_and_a_missing_file_are_named_so(tmp_path):
    with pytest.raises(SubmissionError, match="is a directory"):
        read_bytes(str(tmp_path), "x")
    with pytest.raises(SubmissionError, match="no such file"):
        read_bytes(str(tmp_path / "nope.ipynb"), "x")


@pytest.mark.parametrize("text", ["<p>✓ 1,792</p>\n", "a\r\nb\n", "lone \udcff surrogate", "x" * 100_000])
def test_a_staged_report_holds_the_utf8_bytes_of_its_text(tmp_path, text):
    target = tmp_path / ".stage-1-0.html.tmp"
    target.write_bytes(b"an older and longer file " * 10_000)
    _write(str(target), text)
    assert target.read_bytes() == text.encode("utf-8", "replace")


def test_gradescope_metadata_is_looked_up_once_per_folder_of_a_run(tmp_path):
    folder = tmp_path / "autograder" / "submission"
    folder.mkdir(parents=True)
    metadata = tmp_path / "autograder" / "submission_metadata.json"
    metadata.write_text(json.dumps({"users": [{"id": "7", "email": "ada@example.edu", "name": "Ada"}]}))
    seen: dict = {}
    first = identify(folder / "a.ipynb", seen=seen)
    metadata.unlink()  # what a run found for this folder stands for the rest of the run
    assert identify(folder / "b.ipynb", seen=seen) == first and first.student == "ada@example.edu"
    assert find_gradescope_metadata(folder / "b.ipynb") is None  # without a run's record: looked up again
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert identify(other / "c.ipynb", seen=seen).source == "file name"


def test_the_same_item_in_two_results_is_one_object_on_its_way_to_the_parent():
    from grader.exercise import load_exercise
    from grader.grading import grade, solution_answers

    from .conftest import EXERCISES

    exercise = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
    one, two = (Graded.of(grade(exercise, solution_answers(exercise, student=name))) for name in ("ada", "bob"))
    assert one.items == two.items and all(a is b for a, b in zip(one.items, two.items))
    assert (one.student, two.student) == ("ada", "bob")


flat_values = st.one_of(st.text(), st.floats(), st.booleans(), st.none(), st.integers(),
                        st.lists(st.text(), max_size=3), st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), flat_values, max_size=6))
def test_a_results_entry_head_is_what_json_dumps_writes(data):
    from grader.result import _object_json

    assert _object_json(data) == json.dumps(data, ensure_ascii=False)
