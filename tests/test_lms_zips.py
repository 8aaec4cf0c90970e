"""The LMS round trip (issue 12, sections 1 and 2): Canvas and Moodle downloads graded as they
come, zipped, exactly like the unzipped folder; and every student's report returned in one
upload, checked against the LMS's own matching rules, re-implemented here from their source
(Canvas ``Assignment#infer_comment_context_from_filename``; Moodle
``assignfeedback_file_zip_importer::is_valid_filename_for_import``)."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from grader.batch import Options, grade_class
from grader.cli import main
from grader.readers.identity import from_lms_name

from .conftest import EXERCISES, ROOT

EXERCISE = str(EXERCISES / "cnn-8x8x3.yaml")
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
CANVAS = re.compile(r"^(?P<sortable>[a-z]+)_(?:LATE_)?(?P<user>\d+)_(?P<attachment>\d+)_")


def _canvas_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for sample in sorted(SAMPLES.iterdir()):
            archive.write(sample, sample.name)
        archive.writestr("__MACOSX/._garciamaria_40107_880106_params_exercise.ipynb", b"\0\0junk")
    return path


def _moodle_name(sample: str) -> tuple[str, str]:
    """The sample's Moodle participant: a full name and an id, from its Canvas name."""
    match = CANVAS.match(sample)
    sortable = match["sortable"]
    return sortable.capitalize() + " Student", "7" + match["user"]


def _moodle_zip(path: Path, layout: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for sample in sorted(SAMPLES.iterdir()):
            name, pid = _moodle_name(sample.name)
            own = sample.name.split("_", 3)[-1]  # the file name the student uploaded
            member = {"folders": f"{name}_{pid}_assignsubmission_file/{own}",
                      "folders-3.x": f"{name}_{pid}_assignsubmission_file_/{own}",
                      "flat": f"{name}_{pid}_assignsubmission_file_{own}"}[layout]
            archive.write(sample, member)
        archive.writestr("Lee Kim_7999_assignsubmission_onlinetext/onlinetext.html", "<p>hi</p>")
    return path


def _results(out: Path) -> list[dict]:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("folder") / "o"
    grade_class(EXERCISE, [str(SAMPLES)], Options(out=out, gradebook=("csv", "canvas")))
    return out


def test_the_canvas_download_zip_grades_exactly_like_the_folder(tmp_path, folder_run):
    out = tmp_path / "o"
    outcome = grade_class(EXERCISE, [str(_canvas_zip(tmp_path / "submissions.zip"))],
                          Options(out=out, gradebook=("csv", "canvas")))
    assert (out / "gradebook-canvas.csv").read_bytes() == (folder_run / "gradebook-canvas.csv").read_bytes()
    zipped, unzipped = _results(out), _results(folder_run)
    assert [(r["student"], r["score"], r["errors"]) for r in zipped] == \
        [(r["student"], r["score"], r["errors"]) for r in unzipped]
    assert all(r["submission"] == "submissions.zip/" + u["submission"] for r, u in zip(zipped, unzipped))
    assert outcome.skipped == []  # __MACOSX/ is passed over without a word
    # nothing was extracted: the output holds the outputs, and no member's name became a path
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        ["gradebook-canvas.csv", "gradebook.csv", "index.html", "reports", "results.json"]


@pytest.mark.parametrize("layout", ["folders", "folders-3.x", "flat"])
def test_a_moodle_download_grades_like_the_folder_in_every_layout(tmp_path, folder_run, layout):
    out = tmp_path / "o"
    outcome = grade_class(EXERCISE, [str(_moodle_zip(tmp_path / "moodle.zip", layout))],
                          Options(out=out, gradebook=("csv", "moodle")))
    unzipped = sorted((CANVAS.match(r["submission"])["user"], r["score"], r["gradable"]) for r in _results(folder_run))
    zipped = sorted((re.search(r"_7(\d+)_assignsubmission", r["submission"])[1], r["score"], r["gradable"])
                    for r in _results(out))
    assert zipped == unzipped
    worksheet = {row[0]: row for row in _rows(out / "gradebook-moodle.csv")[1:]}
    assert worksheet["Participant 740107"][4] == "12.00" and worksheet["Participant 740107"][1] == "Garciamaria Student"
    assert any("onlinetext.html" in path and "not a submission" in why for path, why in outcome.skipped)


def test_a_students_own_zip_one_level_down_is_read_as_theirs(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.write(SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb", "project/hw.ipynb")
        archive.writestr("project/model.py", "import torch\n")
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("Maria Garcia_1234567_assignsubmission_file/work.zip", inner.getvalue())
    outcome = grade_class(EXERCISE, [str(download)], Options(out=tmp_path / "o", gradebook=("csv", "moodle")))
    [record] = outcome.records
    assert record.identity.moodle_participant == "1234567" and record.score == 12
    entry = _results(tmp_path / "o")[0]
    assert "in the same zip, not graded: project/model.py: not a submission (.py file)" in entry["notes"]


def test_a_zip_bomb_and_a_corrupt_archive_are_messages_and_the_class_is_graded(tmp_path):
    bomb = tmp_path / "bombs.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doejane_12345_98765_hw.ipynb", b"{" + b" " * 50_000_000 + b"}")
        archive.write(SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb",
                      "garciamaria_40107_880106_params_exercise.ipynb")
    (tmp_path / "corrupt.zip").write_bytes(b"PK\x03\x04 not really a zip")
    outcome = grade_class(EXERCISE, [str(bomb), str(tmp_path / "corrupt.zip")],
                          Options(out=tmp_path / "o", max_bytes=100_000_000))
    by_student = {r.student: r for r in outcome.records}
    assert by_student["garciamaria"].score == 12
    assert not by_student["doejane"].gradable and "times its packed size" in by_student["doejane"].errors[0]
    assert any(path == "corrupt.zip" and "not a readable zip archive" in why for path, why in outcome.skipped)


def damaged_download(path: Path) -> Path:
    """A download with what the archive fuzz test found (tests/test_fuzz_archives.py): a member
    without a name, a member whose compressed bytes are damaged, and a good one."""
    good = (SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb").read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(""), b"{}")
        archive.writestr("doejane_12345_98765_hw.ipynb", good)
        archive.writestr("garciamaria_40107_880106_params_exercise.ipynb", good)
    data = bytearray(path.read_bytes())
    start = data.index(b"doejane_12345_98765_hw.ipynb") + len("doejane_12345_98765_hw.ipynb")
    data[start + 10:start + 40] = bytes(30)        # inside doejane's deflate stream
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_member_and_a_nameless_one_stop_nothing(tmp_path):
    download = damaged_download(tmp_path / "download.zip")
    outcome = grade_class(EXERCISE, [str(download)], Options(out=tmp_path / "o"))
    by_student = {r.student: r for r in outcome.records}
    assert by_student["garciamaria"].score == 12
    assert not by_student["doejane"].gradable
    assert "cannot be read from the archive" in by_student["doejane"].errors[0]


def test_check_reads_a_download_zip_and_picks_the_student(tmp_path, capsys):
    download = _canvas_zip(tmp_path / "submissions.zip")
    assert main(["check", EXERCISE, str(download)]) == 2
    assert "pass --student ID to check one" in capsys.readouterr().err
    assert main(["check", EXERCISE, str(download), "--student", "garciamaria", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == 12.0


# -- feedback back to the LMS ---------------------------------------------------------------

def canvas_matches(filename: str, submissions: dict[str, set[str]]) -> bool:
    """Canvas's rule: the first two all-digit fields of the base name are a user id and an
    attachment of that user's current submission; `._` files and link entries are ignored."""
    base = PurePosixPath(filename).name
    parts = base.split("_")
    digits = [p for p in parts if re.fullmatch(r"\d+", p)][:2]
    if len(digits) < 2 or parts[-1].startswith("link") or base.startswith("._"):
        return False
    user, attachment = digits
    return attachment in submissions.get(user, set())


def moodle_matches(path: str, participants: set[str]) -> bool:
    """Moodle's rule: a path part split on `_` (at most 5 pieces) into fullname, participant id,
    plugin type and name; the id a participant's, the plugin one of the assignment's."""
    name = PurePosixPath(path).name
    if path.endswith("/") or name.startswith((".", "~")):
        return False
    for part in path.split("/"):
        info = part.split("_", 4)
        if len(info) < 4 or not info[1].isdigit() or info[1] not in participants:
            continue
        if (info[2], info[3]) in (("assignsubmission", "file"), ("assignfeedback", "file")):
            return True
    return False


def test_the_canvas_feedback_zip_passes_canvas_matching_for_every_gradable_student(tmp_path, capsys):
    out = tmp_path / "o"
    download = _canvas_zip(tmp_path / "submissions.zip")
    assert main(["grade", EXERCISE, str(download), "--out", str(out), "--feedback-zip", "canvas"]) == 0
    printed = capsys.readouterr().out
    submissions: dict[str, set[str]] = {}
    for member in zipfile.ZipFile(download).namelist():
        identity = from_lms_name(member)
        if identity and identity.canvas_id:  # a later attachment replaces the earlier one, as Canvas does
            submissions[identity.canvas_id] = {identity.canvas_attachment}
    reports = {r["report"]: r for r in _results(out)}
    with zipfile.ZipFile(out / "feedback-canvas.zip") as feedback:
        names = feedback.namelist()
        assert names and all(canvas_matches(name, submissions) for name in names)
        garcia = next(n for n in names if n.startswith("garciamaria_40107_880106_"))
        assert feedback.read(garcia) == (out / "reports" / "garciamaria.html").read_bytes()
    assert len(names) == len(submissions) == len({r["student"] for r in reports.values()})
    assert "left out submissions.zip/andersonemma_40101_880100_params_exercise.ipynb: superseded" in printed


def test_the_moodle_feedback_zip_passes_moodle_matching(tmp_path):
    out = tmp_path / "o"
    download = _moodle_zip(tmp_path / "moodle.zip", "folders")
    outcome = grade_class(EXERCISE, [str(download)], Options(out=out, feedback_zips=("moodle",)))
    participants = {r.identity.moodle_participant for r in outcome.records}
    with zipfile.ZipFile(out / "feedback-moodle.zip") as feedback:
        names = feedback.namelist()
    assert len(names) == len(participants)  # andersonemma's two submissions: the later one's report
    assert all(moodle_matches(name, participants) for name in names)
    assert "Garciamaria Student_740107_assignsubmission_file/feedback.html" in names


def test_students_the_lms_cannot_match_are_listed_with_the_reason(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "anon_Xy9Zq_98780_hw.ipynb").write_bytes(
        (SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb").read_bytes())
    (folder / "plain.ipynb").write_bytes((SAMPLES / "brownliam_40102_880101_params_exercise.ipynb").read_bytes())
    outcome = grade_class(EXERCISE, [str(folder)], Options(out=tmp_path / "o", feedback_zips=("canvas",)))
    left = [w for w in outcome.warnings if w.startswith("feedback-canvas.zip: left out")]
    assert any("anon_Xy9Zq_98780_hw.ipynb: anonymous grading hides the user id" in w for w in left)
    assert any("plain.ipynb: no Canvas user and attachment ids in the file name" in w for w in left)
    assert zipfile.ZipFile(tmp_path / "o" / "feedback-canvas.zip").namelist() == []
