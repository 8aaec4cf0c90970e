"""`grader check` inside a Gradescope autograder: a submission folder, the metadata file,
and results.json in Gradescope's format."""
import json
import shutil

from grader.cli import main

from .conftest import EXERCISES, FORMATS, ROOT

SAMPLES = ROOT / "samples" / "cnn-8x8x3"
METADATA = FORMATS / "submission_metadata.json"


def _autograder(tmp_path, *names):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    for name in names:
        shutil.copy(next(SAMPLES.glob(f"{name}_*")), root / "submission" / "hw.ipynb")
    shutil.copy(METADATA, root / "submission_metadata.json")
    return root


def test_check_writes_gradescope_results_for_the_submission_folder(tmp_path, capsys):
    root = _autograder(tmp_path, "garciamaria")
    out = root / "results" / "results.json"
    status = main(["check", str(EXERCISES / "cnn-8x8x3.yaml"), str(root / "submission"),
                   "--gradescope", str(out)])
    assert status == 0
    data = json.loads(out.read_text())
    assert data["score"] == 12.0
    assert sum(t["max_score"] for t in data["tests"]) == 16.0
    failed = [t["name"] for t in data["tests"] if t["status"] == "failed"]
    assert failed == ["conv1 parameters", "conv2 parameters", "fc parameters", "out parameters"]
    # the submitter comes from Gradescope's metadata, not from the file name
    assert "student@example.com" in capsys.readouterr().out


def test_a_folder_with_several_submissions_is_a_clear_error(tmp_path, capsys):
    root = _autograder(tmp_path, "garciamaria")
    shutil.copy(next(SAMPLES.glob("brownliam_*")), root / "submission" / "other.ipynb")
    status = main(["check", str(EXERCISES / "cnn-8x8x3.yaml"), str(root / "submission")])
    err = capsys.readouterr().err
    assert status == 2
    assert "holds 2 submissions" in err and "name the one to check" in err and "Traceback" not in err
