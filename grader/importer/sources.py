"""The code of a source file as one sequence of parsed statements, whatever holds it.

A ``.py`` file, the code cells of a notebook (in order), the fenced Python blocks of a
Markdown file, or the ``In [n]:`` blocks of a notebook exported as text. Every chunk is
parsed with :mod:`ast` on its own (nothing is executed) and its line numbers are moved to
one virtual numbering, so that a node's line maps back to the file and cell it came from.
"""
from __future__ import annotations

import ast
import json
import os
import re
import warnings
from dataclasses import dataclass, field

from ..errors import GraderError

MAX_BYTES = 5_000_000
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
_PYTHON_FENCES = ("", "python", "py", "python3", "ipython", "ipython3", "pycon")
_TEXT_CELL = re.compile(r"^\s*In\s*\[[^\]]*\]:\s*$")
# IPython lines that are not Python: magics, shell escapes, help
_MAGIC = re.compile(r"^\s*([%!]|\?|\w[\w.]*\?\??\s*$)")


@dataclass(frozen=True)
class Chunk:
    """A run of code: where it starts in the virtual numbering and how to name its lines."""

    label: str          # "model.py", "course.ipynb[cell 4]"
    first: int          # virtual line of its first line
    file_line: int      # its first line in the file (1 for a notebook cell)
    count: int          # number of lines


@dataclass
class Source:
    """Every statement of a source, in order, with lines in one virtual numbering."""

    path: str
    unit: str = "line"                                    # "layer" for a saved model's config
    statements: list[ast.stmt] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    lines: dict[int, str] = field(default_factory=dict)   # virtual line -> text
    skipped: list[str] = field(default_factory=list)      # chunks that are not Python

    def where(self, line: int | None) -> tuple[str, int | None]:
        """(label, line in that file or cell) for a virtual line."""
        for chunk in self.chunks:
            if line is not None and chunk.first <= line < chunk.first + chunk.count:
                return chunk.label, chunk.file_line + line - chunk.first
        return os.path.basename(self.path), line

    def place(self, line: int | None) -> str:
        label, local = self.where(line)
        if self.unit != "line":
            return f"{label}, {self.unit} {local}" if local else label
        return f"{label}:{local}" if local else label

    def error(self, message: str, line: int | None) -> GraderError:
        label, local = self.where(line)
        return GraderError(message, file=label, line=local)

    def segment(self, first: int, last: int) -> str:
        return "\n".join(self.lines.get(n, "") for n in range(first, last + 1))

    def add(self, code: str, label: str, file_line: int, strict: bool) -> None:
        first = 1 + sum(c.count for c in self.chunks)
        lines = code.split("\n")
        try:
            tree = parse(code, label)
        except SyntaxError as exc:
            if strict:
                raise GraderError(f"not valid Python: {exc.msg}", file=label,
                                  line=file_line + (exc.lineno or 1) - 1) from None
            self.skipped.append(f"{label}:{file_line + (exc.lineno or 1) - 1}: skipped, not valid Python "
                                f"({exc.msg})")
            return
        ast.increment_lineno(tree, first - 1)
        self.chunks.append(Chunk(label, first, file_line, len(lines)))
        for i, text in enumerate(lines):
            self.lines[first + i] = text
        self.statements.extend(tree.body)


def parse(code: str, label: str = "<code>") -> ast.Module:
    """The code's syntax tree; Python's warnings about it (an invalid escape in a regex string)
    are the code's business, not the instructor's terminal's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(_without_magics(code), filename=label)


def _without_magics(code: str) -> str:
    """IPython magics and shell lines blanked (same number of lines, so lines still match)."""
    return "\n".join("" if _MAGIC.match(line) else line for line in code.split("\n"))


def read_source(path: str) -> Source:
    """The parsed code of a ``.py``, ``.ipynb``, Markdown or text file."""
    text = _read(path)
    source = Source(path)
    name = os.path.basename(path)
    ext = os.path.splitext(path)[1].lower()
    if ext == ".ipynb":
        for index, code in _notebook_cells(text, path):
            source.add(code, f"{name}[cell {index}]", 1, strict=False)
    elif ext in (".md", ".markdown", ".qmd", ".rmd"):
        for line, code in markdown_blocks(text):
            source.add(code, name, line, strict=False)
    elif ext == ".py":
        source.add(text, name, 1, strict=True)
    else:
        blocks = text_cells(text)
        if blocks:
            for line, code in blocks:
                source.add(code, name, line, strict=False)
        else:
            source.add(text, name, 1, strict=True)
    if not source.statements:
        raise GraderError("no Python code found" + (f" ({'; '.join(source.skipped)})" if source.skipped else ""),
                          file=path)
    return source


def source_from_text(text: str, name: str = "model.py") -> Source:
    """A source from Python text (tests and callers that hold code in memory)."""
    source = Source(name)
    source.add(text, os.path.basename(name), 1, strict=True)
    return source


def _read(path: str) -> str:
    try:
        if os.path.getsize(path) > MAX_BYTES:
            raise GraderError(f"larger than {MAX_BYTES // 1_000_000} MB: not model code", file=path)
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise GraderError("no such file", file=path) from None
    except IsADirectoryError:
        raise GraderError("is a directory; give the notebook or script that builds the model", file=path) from None
    except OSError as exc:
        raise GraderError(f"cannot read: {exc.strerror}", file=path) from None
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise GraderError("not a text file", file=path)  # latin-1 decodes everything; kept for clarity


def _notebook_cells(text: str, path: str) -> list[tuple[int, str]]:
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GraderError(f"not a Jupyter notebook (invalid JSON: {exc.msg} at line {exc.lineno})", file=path) from None
    if not isinstance(nb, dict):
        raise GraderError("not a Jupyter notebook (no 'cells')", file=path)
    cells = nb.get("cells")
    if cells is None and isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in nb["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise GraderError("not a Jupyter notebook (no 'cells')", file=path)
    out = []
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code = cell.get("source", cell.get("input", ""))
        code = "".join(code) if isinstance(code, list) else str(code)
        out.append((index, code))
    return out


def markdown_blocks(text: str) -> list[tuple[int, str]]:
    """(line of the first code line, code) of each fenced Python (or unlabelled) block."""
    blocks: list[tuple[int, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, lang = match.groups()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
            j += 1
        if lang.lower() in _PYTHON_FENCES and (lang or _parses("\n".join(body))):
            blocks.append((i + 2, "\n".join(body)))
        i = j + 1
    return blocks


def _parses(code: str) -> bool:
    """An unlabelled fenced block is code only if it is Python (it is often output)."""
    try:
        parse(code)
    except SyntaxError:
        return False
    return True


def text_cells(text: str) -> list[tuple[int, str]]:
    """The ``In [n]:`` blocks of a notebook printed as text: the longest run of lines after
    each marker that is valid Python (the output and prose that follow are not)."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _TEXT_CELL.match(line)]
    blocks = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body = lines[start + 1:end][:400]
        for cut in range(len(body), 0, -1):
            code = "\n".join(body[:cut])
            if not code.strip() or (cut < len(body) and body[cut - 1].strip() and body[cut].strip()):
                continue
            try:
                parse(code)
            except SyntaxError:
                continue
            blocks.append((start + 2, code))
            break
    return blocks
