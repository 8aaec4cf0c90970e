"""LMS download archives read in memory: every layout Canvas and Moodle produce, nested zips,
and the limits that turn a zip bomb or a corrupt archive into a message."""
from __future__ import annotations

import io
import zipfile

import pytest

from grader import archives
from grader.archives import inner_members, members, open_archive, read_member
from grader.errors import SubmissionError


def _zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def _read(path, limit=20_000_000):
    """Each member as a class run meets it: listed, then read (or why not)."""
    out = []
    with open_archive(str(path), "download.zip") as archive:
        for member in members(archive, "download.zip"):
            if member.problem:
                out.append((member.name, None, member.problem))
                continue
            try:
                data = read_member(archive, member.name, member.name, limit)
            except SubmissionError as exc:
                out.append((member.name, None, exc.message))
                continue
            if member.name.endswith(".zip"):
                out += [(f"{member.name}/{m.name}", m.data, m.problem) for m in inner_members(data, member.name, limit)]
            else:
                out.append((member.name, data, ""))
    return out


def test_flat_canvas_and_foldered_moodle_members_are_read_with_their_names(tmp_path):
    path = _zip(tmp_path / "d.zip", {
        "doejane_12345_98765_hw.ipynb": b"{}",
        "Jane Doe_1234567_assignsubmission_file/hw.ipynb": b"{}",
        "Jane Doe_1234567_assignsubmission_file_/hw.ipynb": b"{}",
        "__MACOSX/._doejane_12345_98765_hw.ipynb": b"junk",
        "Jane Doe_1234567_assignsubmission_file/.ipynb_checkpoints/hw-checkpoint.ipynb": b"{}",
        ".DS_Store": b"junk", "folder/": b"", "doejane_12345_98766_README.md": b"# notes"})
    assert _read(path) == [("doejane_12345_98765_hw.ipynb", b"{}", ""),
                           ("Jane Doe_1234567_assignsubmission_file/hw.ipynb", b"{}", ""),
                           ("Jane Doe_1234567_assignsubmission_file_/hw.ipynb", b"{}", ""),
                           ("doejane_12345_98766_README.md", None, "not a submission (.md file)")]


def test_a_students_own_zip_one_level_down_is_opened_in_memory(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("project/answers.yaml", b"total_params: 1")
        zf.writestr("__MACOSX/project/._answers.yaml", b"junk")
    path = _zip(tmp_path / "d.zip", {"Jane Doe_1234567_assignsubmission_file/work.zip": inner.getvalue()})
    assert _read(path) == [("Jane Doe_1234567_assignsubmission_file/work.zip/project/answers.yaml",
                            b"total_params: 1", "")]
    assert not list(tmp_path.rglob("answers.yaml"))  # nothing was extracted


def test_a_zip_bomb_is_refused_member_by_member(tmp_path):
    path = _zip(tmp_path / "d.zip", {"bomb_1_2_hw.ipynb": b"\0" * 30_000_000, "fine_3_4_hw.ipynb": b"{}"})
    found = _read(path, limit=100_000_000)
    assert found[0][1] is None and "times its packed size" in found[0][2]
    assert found[1] == ("fine_3_4_hw.ipynb", b"{}", "")
    over = _read(path, limit=1_000)
    assert "over the limit of 0.001 MB (--max-size)" in over[0][2]


def test_a_corrupt_or_fake_archive_is_one_clear_error(tmp_path):
    (tmp_path / "d.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SubmissionError, match="download.zip: is not a readable zip archive"):
        _read(tmp_path / "d.zip")
    good = _zip(tmp_path / "g.zip", {"a_1_2_hw.ipynb": b"x" * 1000}, zipfile.ZIP_STORED)
    data = bytearray((tmp_path / "g.zip").read_bytes())
    data[data.index(b"x" * 100) + 10] ^= 0xFF  # a bit flipped in the member: its CRC fails
    (tmp_path / "g.zip").write_bytes(bytes(data))
    [(name, content, problem)] = _read(good)
    assert content is None and "cannot be read from the archive" in problem
    # a member whose header lies about its size is cut at the limit, whatever it says
    with zipfile.ZipFile(tmp_path / "l.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a_1_2_hw.ipynb", b"y" * 5000)
    with open_archive(str(tmp_path / "l.zip"), "l.zip") as archive:
        archive.getinfo("a_1_2_hw.ipynb").file_size = 10  # what a forged header would say
        with pytest.raises(SubmissionError, match="cannot be read|more than its header says"):
            read_member(archive, "a_1_2_hw.ipynb", "l.zip", 1000)


def test_too_many_members_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_MEMBERS", 5)
    path = _zip(tmp_path / "d.zip", {f"s{i}_1_2_hw.ipynb": b"{}" for i in range(6)})
    with pytest.raises(SubmissionError, match="holds 6 files"):
        _read(path)
