"""Safe YAML reading (grader/yamlsource.py): line numbers, and hostile or broken files
rejected with one line that names the file and, where there is one, the line."""
import re

import pytest
import yaml

from grader import yamlsource
from grader.errors import ExerciseError
from grader.yamlsource import LineDict, LineList, parse, read_text

LINES = "id: a\nlayers:\n  - {type: Dense, units: 3}\n  - type: Flatten\n    name: f\n"


def test_mappings_and_lists_know_the_line_of_each_entry():
    doc = parse(LINES, "x.yaml")
    assert isinstance(doc, LineDict) and isinstance(doc["layers"], LineList)
    assert doc.line_of("id") == 1 and doc.line_of("layers") == 2
    assert [doc["layers"].line_of(i) for i in (0, 1)] == [3, 4]
    assert doc["layers"][1].line_of("name") == 5


def test_merge_keys_may_be_overridden_but_written_keys_may_not_repeat():
    doc = parse("base: &b {units: 3, type: Dense}\nlayer: {<<: *b, units: 4}\n")
    assert doc["layer"] == {"units": 4, "type": "Dense"}


BILLION_LAUGHS = "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9 if i else ["lol"] * 9) + "]\n"
    for i in range(9))

# (YAML text, regex the one-line error must match after "x.yaml:LINE: ")
PARSE_ERRORS = [
    ("id: a\ninput_shape: [8\nlayers:\n", r"^x\.yaml:3: YAML syntax error: did not find expected ','"),
    ("id: a\n  input_shape: [8]\n", r"^x\.yaml:2: YAML syntax error: mapping values are not allowed"),
    ("id: a\n\tinput_shape: [8]\n", r"^x\.yaml:2: YAML syntax error: .*tab"),
    ("id: a\nid: b\n", r"^x\.yaml:2: duplicate key 'id'$"),
    ("layers:\n  - {type: Dense, units: 3, units: 4}\n", r"^x\.yaml:2: duplicate key 'units'$"),
    (BILLION_LAUGHS, r"^x\.yaml:\d+: the document expands to more than 100,000 values"),
    ("a: &a [1, *a]\n", r"^x\.yaml:1: a recursive alias refers to itself$"),
    ("&a {x: {y: *a}}\n", r"^x\.yaml:\d: a recursive alias refers to itself$"),
    ("id: a\n---\nid: b\n", r"^x\.yaml:2: the file holds more than one YAML document"),
    ("id: !!python/object/apply:os.system [ls]\n", r"^x\.yaml:1: invalid value: could not determine a "
                                                   r"constructor for the tag"),
    ("id: !custom a\n", r"^x\.yaml:1: invalid value: .*'!custom'"),
    ("id: a\nname: b\x07\n", r"^x\.yaml:2: the file holds a character YAML does not allow \(U\+0007\)"),
    ("x: " + "[" * 300 + "]" * 300 + "\n", r"^x\.yaml:1: the YAML is nested too deeply \(more than 64 levels\)$"),
    ("x: " + "{a: " * 80 + "1" + "}" * 80 + "\n", r"^x\.yaml:1: the YAML is nested too deeply"),
    ("? [a, b]\n: 1\n", r"^x\.yaml:1: a key must be a plain name"),
    ("layer: {<<: 3, name: x}\n", r"^x\.yaml:1: invalid merge: expected a mapping"),
]


def _one_line_error(text: str) -> str:
    with pytest.raises(ExerciseError) as info:
        parse(text, "x.yaml")
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("text, match", PARSE_ERRORS, ids=[m[:40] for _, m in PARSE_ERRORS])
def test_broken_or_hostile_yaml_is_one_located_line(text, match):
    assert re.search(match, _one_line_error(text))


@pytest.mark.parametrize("text, match", PARSE_ERRORS, ids=[m[:40] for _, m in PARSE_ERRORS])
def test_the_pure_python_parser_gives_the_same_errors(monkeypatch, text, match):
    # PyYAML without libyaml: its composer recurses, its reader checks characters up front,
    # and its syntax messages are worded differently; the place and the kind must agree
    with_libyaml = _one_line_error(text)
    monkeypatch.setattr(yamlsource, "_Loader", yaml.SafeLoader)
    pure = _one_line_error(text)

    def kind(message):
        place, rest = re.match(r"^(x\.yaml:\d+): (.*)$", message).groups()
        return place, rest.split(":")[0]
    assert kind(pure) == kind(with_libyaml)


def _write(tmp_path, data: bytes, name="bad.yaml"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


FILE_ERRORS = [  # (bytes, regex after the file name)
    ("id: a\ntitle: caf\xe9\n".encode("latin-1"), r":2: the file is not UTF-8 text; save it as UTF-8$"),
    ("id: a\n".encode("utf-16"), r": the file is UTF-16 text; save it as UTF-8$"),
    ("id: a\n".encode("utf-32"), r": the file is UTF-32 text; save it as UTF-8$"),
    (bytes(range(256)) * 8, r": is a binary file, not an exercise file \(YAML text\)$"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r": is a binary file"),
]


@pytest.mark.parametrize("data, match", FILE_ERRORS, ids=["latin-1", "utf-16", "utf-32", "bytes", "png"])
def test_files_that_are_not_utf8_text_are_refused(tmp_path, data, match):
    path = _write(tmp_path, data)
    with pytest.raises(ExerciseError, match="^" + re.escape(str(path)) + match):
        read_text(path)


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    assert read_text(_write(tmp_path, "\ufeffid: a\n".encode("utf-8"))) == "id: a\n"


def test_a_50_megabyte_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB of size without writing 50 MB
    with pytest.raises(ExerciseError, match=r"huge\.yaml: the file is 52\.4 MB; an exercise file may be "
                                            r"at most 1 MB$"):
        read_text(path)


def test_a_directory_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(ExerciseError, match=re.escape(str(tmp_path)) + ": is a directory, not an exercise file$"):
        read_text(tmp_path)
    with pytest.raises(ExerciseError, match=r"nope\.yaml: no such exercise file$"):
        read_text(tmp_path / "nope.yaml")
