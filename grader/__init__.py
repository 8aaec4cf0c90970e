"""grader: auto-grading of "work out each layer's output shape and number of parameters".

The pipeline, one way (see the README's Development section):
exercise YAML -> Exercise (solved) -> AnswerKey; submission -> Answers -> parsed -> grade -> Result
-> feedback (JSON, reports, gradebooks).
"""
from .checking import CheckedResult, check
from .engine import Solution
from .errors import GraderError
from .exercise import Exercise, load_exercise, validate_exercise
from .version import __version__

__all__ = ["CheckedResult", "Exercise", "GraderError", "Solution", "__version__", "check", "load_exercise",
           "validate_exercise"]
