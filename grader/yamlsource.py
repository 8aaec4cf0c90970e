"""Safe YAML reading that remembers line numbers and refuses hostile input.

PyYAML's ``SafeLoader`` composes the document; we then build plain dicts and lists
ourselves so that every mapping knows the line of each key. Aliases are expanded with
a budget (an "alias bomb" of a few lines would otherwise expand to billions of nodes),
recursive aliases and duplicate keys are errors, and files are size-limited before
they are read.
"""
from __future__ import annotations

import os
import re
import stat
from typing import Any

import yaml

from .errors import ExerciseError
from .limits import not_regular, open_for_reading

MAX_BYTES = 1_000_000          # an exercise is a few kilobytes; a megabyte is already absurd
MAX_NODES = 100_000            # after alias expansion
MAX_DEPTH = 64                 # nesting of lists and mappings; an exercise needs about 5

# libyaml's parser when PyYAML was built with it: the same safe constructor, 10x faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# UTF-32 first: its little-endian mark starts with UTF-16's
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
              (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


_COLLECTION_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


class LineDict(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    lines: dict

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def read_text(path: str | os.PathLike, what: str = "exercise file", max_bytes: int = MAX_BYTES) -> str:
    """The file's text, or an ExerciseError naming the file and what is wrong."""
    name = os.fspath(path)
    try:
        fd = open_for_reading(name)  # a FIFO must not block the open (issue 9)
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise ExerciseError(f"is a directory, not an {what}", file=name)
            if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
                raise ExerciseError(f"is {not_regular(info.st_mode)}, not an {what}; only regular files "
                                    "are read", file=name)
            if info.st_size > max_bytes:
                raise ExerciseError(f"the file is {info.st_size / 1e6:.1f} MB; an {what} may be at most "
                                    f"{max_bytes / 1e6:g} MB", file=name)
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise ExerciseError(f"no such {what}", file=name) from None
    except IsADirectoryError:
        raise ExerciseError(f"is a directory, not an {what}", file=name) from None
    except OSError as exc:
        raise ExerciseError(f"cannot read the file: {exc.strerror}", file=name) from None
    if len(data) > max_bytes:  # grew while we looked
        raise ExerciseError(f"an {what} may be at most {max_bytes / 1e6:g} MB", file=name)
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            raise ExerciseError(f"the file is {encoding} text; save it as UTF-8", file=name)
    if b"\x00" in data:
        raise ExerciseError(f"is a binary file, not an {what} (YAML text)", file=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ExerciseError("the file is not UTF-8 text; save it as UTF-8", file=name, line=line) from None


def parse(text: str, file: str | None = None) -> Any:
    """YAML text to LineDict/LineList/scalars, or an ExerciseError with the line."""
    loader = None
    try:
        loader = _Loader(text)  # the pure-Python reader already rejects control characters here
        node = loader.get_single_node()
        return None if node is None else _Builder(loader, file).build(node)
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        raise ExerciseError(f"the file holds a character YAML does not allow ({_char(exc.character)}); "
                            "remove it", file=file, line=line) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise ExerciseError(f"YAML error: {_one_line(str(exc))}", file=file) from None
    except RecursionError:  # the pure-Python composer recurses once per nesting level
        line = getattr(loader, "line", None)  # where its reader stopped
        raise ExerciseError(f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)",
                            file=file, line=line + 1 if isinstance(line, int) else None) from None
    finally:
        if loader is not None:
            loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, file: str | None) -> ExerciseError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    problem = _one_line(exc.problem or exc.context or "invalid YAML")
    if "another document" in problem:
        return ExerciseError("the file holds more than one YAML document ('---'); an exercise file "
                             "holds exactly one", file=file, line=line)
    if "nesting depth" in problem:
        return ExerciseError(f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)",
                             file=file, line=line)
    started = exc.context_mark
    if exc.problem and exc.context and started and mark and started.line != mark.line:
        # "did not find expected ',' or '}'" is found on the next line; say where the list began
        problem += f" ({_one_line(exc.context)} started on line {started.line + 1})"
    return ExerciseError(f"YAML syntax error: {problem}", file=file, line=line)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_DATE = re.compile(r"^\d{4}-\d\d?-\d\d?")  # what YAML takes for a date without a tag
_SCALAR_KINDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
                 "timestamp": "a valid date", "binary": "base64 data"}


def _invalid_scalar(node: yaml.ScalarNode) -> str:
    """Why a scalar cannot be read, saying what its tag (written or implied) asked for."""
    text = node.value.strip()
    kind = node.tag.rpartition(":")[2]
    if kind == "int" and sum(ch.isdigit() for ch in text) > 4300:
        return f"invalid value: a number of {len(text):,} characters; a whole number has at most 4,300 digits"
    shown = text if len(text) <= 40 else text[:37] + "..."
    hint = "; put it in quotes if it is text" if kind == "timestamp" and _DATE.match(text) else ""
    return f"invalid value: '{shown}' is not {_SCALAR_KINDS.get(kind, f'a valid !!{kind}')}{hint}"


def _char(code: Any) -> str:
    if isinstance(code, int):
        return f"U+{code:04X}"
    return repr(code)


class _Builder:
    def __init__(self, loader, file: str | None):
        self.loader = loader
        self.file = file
        self.count = 0
        self.path: set[int] = set()  # the nodes being built: the current nesting

    def error(self, node: yaml.Node, message: str) -> ExerciseError:
        return ExerciseError(message, file=self.file, line=node.start_mark.line + 1)

    def build(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(node, f"the document expands to more than {MAX_NODES:,} values "
                                   "(through aliases?); an exercise is far smaller")
        if id(node) in self.path:
            raise self.error(node, "a recursive alias refers to itself")
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise self.error(node, f"invalid value: {_one_line(getattr(exc, 'problem', None) or exc)}"
                                 ) from None
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
                # PyYAML's constructors raise these for !!int "", !!bool maybe, 2024-02-30, and
                # for whole numbers over Python's 4,300 digits (issue 9)
                raise self.error(node, _invalid_scalar(node)) from None
        if node.tag not in _COLLECTION_TAGS:  # !!python/object/apply:os.system [ls]
            raise self.error(node, f"invalid value: could not determine a constructor for the tag '{node.tag}'")
        if len(self.path) >= MAX_DEPTH:
            raise self.error(node, f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)")
        self.path.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                out = LineList(self.build(child) for child in node.value)
                out.line = node.start_mark.line + 1
                out.lines = [child.start_mark.line + 1 for child in node.value]
                return out
            return self.mapping(node)
        finally:
            self.path.discard(id(node))

    def mapping(self, node: yaml.MappingNode) -> LineDict:
        explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        try:
            self.loader.flatten_mapping(node)  # merge keys (<<: *defaults) come first
        except yaml.YAMLError as exc:
            raise self.error(node, f"invalid merge: {_one_line(getattr(exc, 'problem', None) or exc)}") from None
        merged = len(node.value) - explicit
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.lines = {}
        seen: set = set()
        for i, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, "a key must be a plain name, not a list or mapping")
            key = self.build(key_node)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key_node.value)
            if i >= merged:  # merged keys may be overridden; written ones may not repeat
                if key in seen:
                    raise self.error(key_node, f"duplicate key '{key}'")
                seen.add(key)
            out[key] = self.build(value_node)
            out.lines[key] = key_node.start_mark.line + 1
        return out
