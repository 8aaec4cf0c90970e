"""The sample class (samples/cnn-8x8x3, the README's first command) grades as a teacher
would grade it by hand: one row per submission, what each student got wrong and why."""
import pytest

from grader.exercise import load_exercise
from grader.grading import grade_answers as grade
from grader.readers import read_path

from .conftest import EXERCISES, ROOT

SAMPLES = ROOT / "samples" / "cnn-8x8x3"
T = (None, "total_params")

# student file prefix -> (score, {(layer, quantity): (status, mistake)} for every item not correct)
EXPECTED = {
    "andersonemma_40101_880100": (16, {}),
    "andersonemma_40101_880201": (16, {}),           # the resubmission
    "brownliam": (16, {}),                          # the origin notebook's own table, channels first
    "chenwei": (16, {}),                            # answers = {...}
    "davisolivia": (16, {}),                        # YAML in a raw cell
    "evansnoah": (16, {}),                          # a printed Keras 3 summary only
    "fischerlena": (16, {}),                        # a printed Keras 2 summary only
    "fosterben": (16, {}),                          # a JSON answer file
    "hallnora": (16, {}),                           # nbformat 3
    "okaforchidi": (16, {}),                        # every spelling people use
    "schmidtjonas": (16, {}),                       # channels first, accepted here
    "vargasdiego": (16, {}),                        # working before the answers
    "xuming": (16, {}), "youngchloe": (16, {}),
    "garciamaria": (12, {("conv1", "params"): ("incorrect", "forgot_bias"),
                         ("conv2", "params"): ("incorrect", "forgot_bias"),
                         ("fc", "params"): ("incorrect", "forgot_bias"),
                         ("out", "params"): ("incorrect", "forgot_bias"), T: ("follow_through", None)}),
    "grantmia": (15, {("conv2", "params"): ("incorrect", "forgot_bias"), T: ("follow_through", None)}),
    "hughesjack": (14, {("conv1", "params"): ("incorrect", "forgot_input_channels"),
                        ("conv2", "params"): ("incorrect", "forgot_input_channels"),
                        T: ("follow_through", None)}),
    "ibrahimamir": (15, {("conv1", "output_shape"): ("incorrect", "wrong_padding"),
                         ("pool1", "output_shape"): ("follow_through", None),
                         ("conv2", "output_shape"): ("follow_through", None),
                         ("pool2", "output_shape"): ("follow_through", None),
                         ("flatten", "output_shape"): ("follow_through", None),
                         ("fc", "params"): ("follow_through", None), T: ("follow_through", None)}),
    "jonessophie": (15, {("conv1", "output_shape"): ("incorrect", "off_by_one"),
                         ("pool1", "output_shape"): ("follow_through", None),
                         ("conv2", "output_shape"): ("follow_through", None)}),
    "kowalskipiotr": (15, {("pool2", "output_shape"): ("incorrect", "pool_rounding"),
                           ("flatten", "output_shape"): ("follow_through", None),
                           ("fc", "params"): ("follow_through", None), T: ("follow_through", None)}),
    "lopezana": (15, {("pool1", "output_shape"): ("incorrect", "ignored_stride"),
                      ("conv2", "output_shape"): ("follow_through", None),
                      ("pool2", "output_shape"): ("follow_through", None),
                      ("flatten", "output_shape"): ("follow_through", None),
                      ("fc", "params"): ("follow_through", None), T: ("follow_through", None)}),
    "martinlucas": (14, {T: ("incorrect", "sum_mismatch")}),
    "nguyenlinh": (15, {("conv1", "params"): ("incorrect", None)}),   # 1782 stated after (3*3*3+1)*64
    "patelriya": (14, {("conv1", "output_shape"): ("unreadable", None),
                       ("fc", "params"): ("unreadable", None)}),
    "quinnaoife": (6, {**{(layer, q): ("missing", None) for layer in ("pool2", "flatten", "fc", "out")
                          for q in ("output_shape", "params")}, T: ("missing", None)}),
    "rossimarco": (14, {("conv1", "output_shape"): ("unreadable", None),
                        ("conv1", "params"): ("unreadable", None)}),
    "tanakayui": (14, {("fc", "params"): ("incorrect", "forgot_bias"),
                       ("out", "params"): ("incorrect", "forgot_bias"), T: ("follow_through", None)}),
    "umarfatima": (13, {("pool1", "params"): ("incorrect", "counted_pool_params"),
                        ("pool2", "params"): ("incorrect", "counted_pool_params"),
                        ("flatten", "params"): ("incorrect", "counted_weightless_params"),
                        T: ("follow_through", None)}),
    "zieglermax": (15, {("conv1", "params"): ("incorrect", "forgot_bias"), T: ("follow_through", None)}),
}

UNGRADABLE = {
    "bakerharry": "truncated", "clarkisla": "empty", "dixontom": "PDF",
    "ellisgrace": "not a Jupyter notebook", "wilsonava": "no answers found",
}


@pytest.fixture(scope="module")
def exercise():
    return load_exercise(EXERCISES / "cnn-8x8x3.yaml")


def _file(prefix):
    matches = sorted(SAMPLES.glob(f"{prefix}_*"))
    assert len(matches) == 1, f"{prefix}: {matches}"
    return matches[0]


def test_every_sample_is_in_a_table():
    named = set(EXPECTED) | set(UNGRADABLE)
    for path in SAMPLES.iterdir():
        assert any(path.name.startswith(prefix + "_") for prefix in named), path.name
    assert len(list(SAMPLES.iterdir())) >= 30


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_sample_grades_as_by_hand(exercise, prefix):
    score, wrong = EXPECTED[prefix]
    (answers,) = read_path(_file(prefix), exercise)
    result = grade(exercise, answers)
    found = {(i.layer, i.quantity): (i.status, i.mistake) for i in result.items if i.status != "correct"}
    assert found == wrong
    assert result.score == score


@pytest.mark.parametrize("prefix", sorted(UNGRADABLE))
def test_broken_samples_are_refused_with_their_reason(exercise, prefix):
    from grader.errors import SubmissionError
    try:
        answers = read_path(_file(prefix), exercise)
    except SubmissionError as exc:
        assert UNGRADABLE[prefix] in str(exc)
        return
    (only,) = answers
    assert not only.values and UNGRADABLE[prefix] in " ".join(only.errors)
