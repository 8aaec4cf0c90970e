"""grader: auto-grading of "work out each layer's output shape and number of parameters".

The pipeline, one way (see the README):
exercise YAML -> Exercise -> Solution; submission -> answers -> grade -> reports.
"""
__version__ = "0.1.0"

from .checking import CheckedResult, check  # noqa: E402
from .engine import Solution, solve  # noqa: E402
from .errors import GraderError  # noqa: E402
from .exercise import Exercise, load_exercise, validate_exercise  # noqa: E402

__all__ = ["CheckedResult", "Exercise", "GraderError", "Solution", "load_exercise", "solve", "validate_exercise",
           "__version__", "check"]
