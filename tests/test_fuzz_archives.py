"""Fuzzing LMS download zips (issue 9, for the reader issue 12 added): whatever an archive holds
— hostile member names, nested zips, members that lie about their sizes, cut or flipped bytes —
opening it, listing its members and reading each one gives answers or a SubmissionError, never
anything else, and nothing is ever written to disk.

Examples per test: GRADER_FUZZ_EXAMPLES (default 200); the dedicated run is
``GRADER_FUZZ_EXAMPLES=100000 python -m pytest tests/test_fuzz_archives.py``.
"""
from __future__ import annotations

import io
import os
import warnings
import zipfile

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grader.archives import members, open_archive, read_member_answers
from grader.errors import SubmissionError
from grader.exercise import load_exercise

from .conftest import EXERCISES, ROOT

CNN = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
FUZZ = settings(max_examples=int(os.environ.get("GRADER_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
NOTEBOOK = (SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb").read_bytes()
LIMIT = 2_000_000

# member names as LMS downloads write them, and as a hostile student or a broken export might
NAMES = st.one_of(
    st.sampled_from(["doejane_12345_98765_hw.ipynb", "LATE_anon_Ab3Cd_98781_hw.ipynb",
                     "Jane Doe_1234567_assignsubmission_file/hw.ipynb", "Group A_17_assignsubmission_file/a.json",
                     "Jane Doe_1234567_assignsubmission_file_/project.zip", "__MACOSX/._hw.ipynb", ".hidden.ipynb",
                     "../../etc/passwd.ipynb", "/abs/path.yaml", "C:\\win\\x.ipynb", "a/" * 20 + "deep.ipynb",
                     "smithjohn_LATE_12346_98770_hw1-1.ipynb", "form.csv", "notes.txt", "dir/"]),
    st.text(min_size=1, max_size=40),
    st.builds(lambda stem, ext: stem + ext, st.text(min_size=1, max_size=30),
              st.sampled_from([".ipynb", ".json", ".yaml", ".csv", ".zip", ".txt", ""])),
)
CONTENT = st.one_of(
    st.just(NOTEBOOK),
    st.binary(max_size=400),
    st.just(b'{"layers": {"conv1": {"params": 1792}}}'),
    st.just(b"student,conv1 - params\ns1,1792\n"),
    st.builds(lambda cut: NOTEBOOK[:cut], st.integers(0, len(NOTEBOOK))),
)


def build_zip(entries: list[tuple[str, bytes, int]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
        warnings.simplefilter("ignore")   # duplicate names: an archive may hold them
        for name, data, method in entries:
            try:
                archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
            except (ValueError, UnicodeEncodeError):
                continue   # a name zipfile itself refuses to write
    return out.getvalue()


@st.composite
def archives(draw) -> bytes:
    methods = st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    entries = draw(st.lists(st.tuples(NAMES, CONTENT, methods), max_size=6))
    if draw(st.booleans()):   # a student's own zip, one level down
        inner = build_zip(draw(st.lists(st.tuples(NAMES, CONTENT, methods), max_size=4)))
        entries.append((draw(st.sampled_from(["Jane Doe_1234567_assignsubmission_file/p.zip", "doejane_1_2_p.zip"])),
                        inner, zipfile.ZIP_STORED))
    data = bytearray(build_zip(entries))
    for _ in range(draw(st.integers(0, 3))):   # flipped bytes: headers that lie, CRCs that fail
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


def grade_archive(path) -> list:
    """What a class run does with one download: members listed, each read or refused."""
    try:
        archive = open_archive(str(path), path.name)
    except SubmissionError:
        return []
    found = []
    with archive:
        try:
            listed = list(members(archive, path.name))
        except SubmissionError:
            return []
        for member in listed:
            if member.problem:
                assert member.problem and "\n" not in member.problem
                continue
            try:
                found += read_member_answers(archive, path.name, member.name, CNN, LIMIT)
            except SubmissionError as exc:
                assert exc.message
    return found


@FUZZ
@given(data=archives())
# found by the 100,000-example run: a name ending in a line break made a two-line message
@example(data=build_zip([("0.\n", b"x", zipfile.ZIP_STORED)]))
def test_any_archive_gives_answers_or_a_reason_and_writes_nothing(data, tmp_path):
    folder = tmp_path / "download"
    folder.mkdir(exist_ok=True)
    path = folder / "submissions.zip"
    path.write_bytes(data)
    for answers in grade_archive(path):
        assert answers.identity.student
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["download", "submissions.zip"]
