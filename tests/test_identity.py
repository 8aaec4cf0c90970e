"""Student identity from --student, LMS download names and Gradescope metadata (SPEC section 2)."""
import json
from pathlib import Path

import pytest

from grader.readers.identity import find_gradescope_metadata, from_gradescope, identify

from .conftest import FORMATS as SHARED  # noqa: E402

# Every line of shared/formats/canvas_zip_listing.txt, plus the SPEC's example and older Canvas.
CANVAS = [
    # name in the download                  student        canvas_id  late
    ("doejane_12345_98765_hw1.py",          "doejane",     "12345",   False),
    ("doejane_12345_98766_README.md",       "doejane",     "12345",   False),
    ("smithjohn_LATE_12346_98770_hw1.py",   "smithjohn",   "12346",   True),
    ("smithjohn_LATE_12346_98771_hw1-1.py", "smithjohn",   "12346",   True),
    ("lopezana_12347_text.html",            "lopezana",    "12347",   False),
    ("kimlee_12348_link.html",              "kimlee",      "12348",   False),
    ("anon_Xy9Zq_98780_hw1.py",             "anon_Xy9Zq",  None,      False),
    ("LATE_anon_Ab3Cd_98781_hw1.py",        "anon_Ab3Cd",  None,      True),
    ("doejane_12345_98765_name.ipynb",      "doejane",     "12345",   False),
    ("doejane_late_12345_98765_lab_2.ipynb", "doejane",    "12345",   True),   # older Canvas: lower case
    ("obrienmary_4021_7734512_lab-1.ipynb", "obrienmary",  "4021",    False),  # resubmission: -1
]

# Every file line of shared/formats/moodle_zip_listing.txt.
MOODLE = [
    # path in the download                                          student                name        participant
    ("Jane Doe_1234567_assignsubmission_file/hw1.py",               "Jane Doe",            "Jane Doe", "1234567"),
    ("Jane Doe_1234567_assignsubmission_file/sub/dir/util.py",      "Jane Doe",            "Jane Doe", "1234567"),
    ("Jane Doe_1234567_assignsubmission_onlinetext/onlinetext.html", "Jane Doe",           "Jane Doe", "1234567"),
    ("Participant_1234569_assignsubmission_file/hw1.py",            "Participant 1234569", None,       "1234569"),
    ("Group A_17_assignsubmission_file/hw1.py",                     "Group A",             "Group A",  "17"),
    ("Jane Doe_1234567_assignsubmission_file_/hw1.py",              "Jane Doe",            "Jane Doe", "1234567"),
    ("Jane Doe_1234567_assignsubmission_file_hw1.py",               "Jane Doe",            "Jane Doe", "1234567"),
    ("Participant_1234569_assignsubmission_file_lab_2.ipynb",       "Participant 1234569", None,       "1234569"),
]

PLAIN = [  # not LMS names: the file stem
    ("s123.ipynb", "s123"),
    ("lab_3_2_final.ipynb", "lab_3_2_final"),
    ("Doe_12345_98765_x.ipynb", "Doe_12345_98765_x"),  # Canvas lower-cases its sortable names
    ("answers.yaml", "answers"),
]

METADATA = {  # shared/formats/submission_metadata.json, the parts identify reads
    "id": 123456,
    "assignment": {"id": 25828, "title": "Programming Assignment 1", "total_points": "20.0"},
    "submission_method": "upload",
    "users": [{"email": "student@example.com", "id": 1234, "name": "Student User"}],
}


@pytest.mark.parametrize("name, student, canvas_id, late", CANVAS)
def test_canvas_download_names(name, student, canvas_id, late, tmp_path):
    identity = identify(tmp_path / name)
    assert (identity.student, identity.canvas_id, identity.late, identity.source) == (
        student, canvas_id, late, "canvas")
    assert identity.moodle_participant is None


@pytest.mark.parametrize("path, student, name, participant", MOODLE)
def test_moodle_download_names(path, student, name, participant, tmp_path):
    identity = identify(tmp_path / path)
    assert (identity.student, identity.name, identity.moodle_participant, identity.source) == (
        student, name, participant, "moodle")
    assert identity.canvas_id is None


@pytest.mark.parametrize("name, student", PLAIN)
def test_other_names_give_the_file_stem(name, student, tmp_path):
    identity = identify(tmp_path / name)
    assert (identity.student, identity.source, identity.canvas_id, identity.moodle_participant) == (
        student, "file name", None, None)


@pytest.mark.parametrize("listing, table", [("canvas_zip_listing.txt", CANVAS), ("moodle_zip_listing.txt", MOODLE)])
def test_tables_cover_every_line_of_the_shared_listings(listing, table):
    lines = [line.strip() for line in (SHARED / listing).read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert set(lines) <= {row[0] for row in table}


def test_student_option_wins_and_keeps_the_lms_ids(tmp_path):
    identity = identify(tmp_path / "smithjohn_LATE_12346_98770_hw1.ipynb", student="s999")
    assert (identity.student, identity.source, identity.canvas_id, identity.late) == (
        "s999", "--student", "12346", True)
    assert identify(tmp_path / "s123.ipynb", student="s999").student == "s999"


def _gradescope_tree(root: Path, metadata: object) -> Path:
    submission = root / "autograder" / "submission"
    (submission / "notebooks").mkdir(parents=True)
    (root / "autograder" / "submission_metadata.json").write_text(json.dumps(metadata))
    return submission / "notebooks" / "lab.ipynb"


def test_gradescope_metadata_in_a_parent_folder_up_to_autograder(tmp_path):
    identity = identify(_gradescope_tree(tmp_path, METADATA))
    assert (identity.student, identity.name, identity.email, identity.gradescope_id, identity.source) == (
        "student@example.com", "Student User", "student@example.com", "1234", "gradescope")


def test_gradescope_metadata_beside_the_file(tmp_path):
    (tmp_path / "submission_metadata.json").write_text(json.dumps(METADATA))
    assert identify(tmp_path / "lab.ipynb").gradescope_id == "1234"


def test_metadata_above_a_folder_outside_autograder_is_not_taken(tmp_path):
    (tmp_path / "submission_metadata.json").write_text(json.dumps(METADATA))
    (tmp_path / "class").mkdir()
    assert find_gradescope_metadata(tmp_path / "class" / "s1.ipynb") is None
    assert identify(tmp_path / "class" / "s1.ipynb").student == "s1"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", json.dumps({"users": []}),
                                     json.dumps({"users": [{"id": None}]}), "\udcff"])
def test_unusable_metadata_falls_back_to_the_stem(content, tmp_path):
    path = tmp_path / "autograder" / "submission" / "lab.ipynb"
    path.parent.mkdir(parents=True)
    (tmp_path / "autograder" / "submission_metadata.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    assert (identify(path).student, identify(path).source) == ("lab", "file name")


def test_metadata_given_by_the_caller_is_used(tmp_path):
    identity = identify(tmp_path / "lab.ipynb", metadata={"users": [{"id": 7, "name": "Ann Lee"}]})
    assert (identity.student, identity.name, identity.gradescope_id) == ("7", "Ann Lee", "7")
    assert from_gradescope({"users": "nobody"}) is None


def test_shared_metadata_sample_reads_like_the_table():
    data = json.loads((SHARED / "submission_metadata.json").read_text())
    assert from_gradescope(data) == from_gradescope(METADATA)
