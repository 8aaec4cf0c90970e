"""Canvas group assignments (``--groups``): the group set's CSV, as Canvas exports it, gives
every member of a group the grade of the group's one submission in gradebook-canvas.csv."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from grader.batch import Options, grade_class
from grader.cli import main
from grader.errors import GraderError
from grader.groups import read_groups

from .conftest import EXERCISES, ROOT

EXERCISE = str(EXERCISES / "cnn-8x8x3.yaml")
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
# Canvas's export of a group set: its columns in its order, a student in no group, a BOM
GROUP_SET = ("\ufeffname,canvas_user_id,user_id,login_id,sections,group_name,canvas_group_id,group_id\n"
             "Ava Reyes,40300,s40300,areyes,Section A,Team Alpha,9001,\n"
             "Lee Ann,40301,s40301,lann,Section A,Team Alpha,9001,\n"
             "Omar Said,40302,s40302,osaid,Section B,Team Alpha,9001,\n"
             "Ben Carter,40310,s40310,bcarter,Section B,Team Beta,9002,\n"
             "\"Kim, Jo\",40311,s40311,jkim,Section A,Team Beta,9002,\n"
             "Noor Haddad,40330,s40330,nhaddad,Section A,,,\n")
# Canvas names a group's file after the group (lower-cased, without spaces) and the user id
# of the member who handed it in
CLASS = {
    "teamalpha_40300_880300_params_exercise.ipynb": "garciamaria_40107_880106_params_exercise.ipynb",   # 12/16
    "teambeta_40311_880310_params_exercise.ipynb": "brownliam_40102_880101_params_exercise.ipynb",      # 16/16
    "hughesjack_40320_880320_params_exercise.ipynb": "hughesjack_40108_880107_params_exercise.ipynb",   # 14/16
}


def canvas_rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("groups") / "download"
    folder.mkdir()
    for name, sample in CLASS.items():
        shutil.copy(SAMPLES / sample, folder / name)
    groups = folder.parent / "groups.csv"
    groups.write_text(GROUP_SET, encoding="utf-8")
    out = folder.parent / "graded"
    outcome = grade_class(EXERCISE, [str(folder)], Options(out=out, gradebook=("csv", "canvas"), groups=str(groups)))
    return out, outcome


def test_every_member_of_a_group_gets_the_group_grade(graded):
    out, _ = graded
    scores = {r["submission"]: r["score"] for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    alpha, beta = (scores["teamalpha_40300_880300_params_exercise.ipynb"],
                   scores["teambeta_40311_880310_params_exercise.ipynb"])
    assert (alpha, beta) == (12, 16)
    rows = canvas_rows(out / "gradebook-canvas.csv")
    by_id = {row[1]: row for row in rows[2:]}
    assert by_id["40300"][0] == "Ava Reyes" and by_id["40300"][5] == "12.00"
    assert by_id["40302"][0] == "Omar Said" and by_id["40302"][5] == "12.00"
    assert by_id["40310"][5] == by_id["40311"][5] == "16.00" and by_id["40311"][0] == "Kim, Jo"
    assert by_id["40320"][5] == "14.00"          # in no group: their own grade, and a note
    assert "40330" not in by_id                   # in no group and handed nothing in: left as Canvas has it
    assert len(rows) - 2 == len(by_id)            # one row per student


def test_the_run_says_who_is_in_no_group(graded):
    out, outcome = graded
    note = ("gradebook-canvas.csv: hughesjack_40320_880320_params_exercise.ipynb: user 40320 is in no group of the "
            "groups file: only they get this grade")
    assert note in outcome.run.warnings
    assert "user 40320 is in no group" in (out / "index.html").read_text(encoding="utf-8")


def test_a_group_handed_in_twice_keeps_the_first_listed_and_the_run_says_so(tmp_path):
    """Canvas keeps one submission per group; two downloads put together can hold two."""
    download = tmp_path / "download"
    download.mkdir()
    shutil.copy(SAMPLES / "martinlucas_40113_880112_params_exercise.ipynb",
                download / "annlee_40301_880400_params_exercise.ipynb")          # 14/16, by a member of Alpha
    shutil.copy(SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb",
                download / "teamalpha_40300_880300_params_exercise.ipynb")       # 12/16
    groups = tmp_path / "groups.csv"
    groups.write_text(GROUP_SET, encoding="utf-8")
    outcome = grade_class(EXERCISE, [str(download)], Options(out=tmp_path / "out", gradebook=("csv", "canvas"),
                                                             groups=str(groups)))
    rows = canvas_rows(tmp_path / "out" / "gradebook-canvas.csv")[2:]
    assert sorted((row[1], row[5]) for row in rows) == [("40300", "14.00"), ("40301", "14.00"), ("40302", "14.00")]
    assert ("gradebook-canvas.csv: teamalpha_40300_880300_params_exercise.ipynb: group 'Team Alpha' (user 40300) "
            "already has the grade of annlee_40301_880400_params_exercise.ipynb: this one is not in the gradebook"
            ) in outcome.run.warnings


def test_without_the_groups_only_the_submitter_gets_the_grade(graded, tmp_path):
    download = graded[0].parent / "download"
    outcome = grade_class(EXERCISE, [str(download)], Options(out=tmp_path / "out", gradebook=("csv", "canvas")))
    ids = [row[1] for row in canvas_rows(tmp_path / "out" / "gradebook-canvas.csv")[2:]]
    assert sorted(ids) == ["40300", "40311", "40320"]
    assert not [w for w in outcome.run.warnings if "group" in w]


@pytest.mark.parametrize("text, message", [
    ("name,user_id,group_name\nA,s1,T\n", r"groups.csv:1: the groups file needs the columns canvas_user_id and "
                                          r"group_name \(found: name, user_id, group_name\)"),
    ("canvas_user_id,name\n1,A\n", r"groups.csv:1: the groups file needs the columns canvas_user_id"),
    ("canvas_user_id,group_name\n1,T\n2,T\n1,U\n", r"groups.csv:4: user 1 is in two groups: 'T' \(line 2\) and 'U'"),
    ("canvas_user_id,group_name\nareyes,T\n", r"groups.csv:2: canvas_user_id is 'areyes': expected the Canvas user id"),
    ("canvas_user_id,group_name\n1,\n2,\n", r"groups.csv: the groups file puts nobody in a group"),
    ("", r"groups.csv: the groups file is empty; it needs a header row 'name,canvas_user_id,group_name'"),
])
def test_a_bad_groups_file_names_its_line(text, message, tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GraderError, match=message):
        read_groups(path)


def test_canvas_group_ids_serve_when_the_names_are_missing(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("canvas_user_id,canvas_group_id\n1,77\n2,77\n3,78\n", encoding="utf-8")
    groups = read_groups(path)
    assert [m.canvas_id for m in groups["2"].members] == ["1", "2"] and groups["3"].name == "78"


def test_the_command_needs_the_canvas_gradebook_for_groups(tmp_path, capsys):
    groups = tmp_path / "groups.csv"
    groups.write_text(GROUP_SET, encoding="utf-8")
    assert main(["grade", EXERCISE, str(SAMPLES), "--out", str(tmp_path / "out"), "--groups", str(groups)]) == 2
    assert "add --gradebook canvas" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["grade", EXERCISE, str(SAMPLES), "--out", str(tmp_path / "out"), "--gradebook", "canvas",
                 "--groups", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv: cannot read the groups file" in capsys.readouterr().err
