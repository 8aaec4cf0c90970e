"""The groups of a Canvas group assignment (``grader grade ... --gradebook canvas --groups FILE``).

Canvas downloads one file per group, named after the group and carrying the user id of the
student who handed it in (the group's representative). Without the groups, only that student
gets the grade in gradebook-canvas.csv; with them, every member does. The file is the group
set's CSV as Canvas exports it (``name, canvas_user_id, user_id, login_id, sections,
group_name, canvas_group_id, group_id``): ``canvas_user_id`` and one of ``group_name``,
``canvas_group_id`` or ``group_id`` are needed, ``name`` is used when present. Students in no
group (an empty group cell) are left as they are.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from .csvfiles import read_csv
from .errors import GraderError

GROUP_COLUMNS = ("group_name", "canvas_group_id", "group_id")
HEADER = "name,canvas_user_id,group_name"


@dataclass(frozen=True)
class Member:
    canvas_id: str
    name: str


@dataclass(frozen=True)
class Group:
    name: str
    members: tuple[Member, ...]


def read_groups(path: str | os.PathLike) -> Mapping[str, Group]:
    """Each member's Canvas user id -> their group. Raises GraderError naming the file and line."""
    name = os.fspath(path)
    header, rows = read_csv(name, "the groups file", HEADER)
    group_column = next((c for c in GROUP_COLUMNS if c in header), None)
    if "canvas_user_id" not in header or group_column is None:
        raise GraderError(f"the groups file needs the columns canvas_user_id and group_name (found: {', '.join(header)});"
                          " export the group set from Canvas, or write the header "
                          f"'{HEADER}'", file=name, line=1)
    members: dict[str, list[Member]] = {}
    seen: dict[str, tuple[str, int]] = {}     # user id -> (group, line)
    for number, cells in rows:
        user, group = cells["canvas_user_id"], next((cells[c] for c in GROUP_COLUMNS if cells.get(c)), "")
        if not group:
            continue                          # a student in no group
        if not user.isdigit():
            raise GraderError(f"canvas_user_id is {user!r}: expected the Canvas user id, a number",
                              file=name, line=number)
        if user in seen:
            if seen[user][0] != group:
                raise GraderError(f"user {user} is in two groups: {seen[user][0]!r} (line {seen[user][1]}) "
                                  f"and {group!r}", file=name, line=number)
            continue
        seen[user] = (group, number)
        members.setdefault(group, []).append(Member(user, cells.get("name", "")))
    if not members:
        raise GraderError("the groups file puts nobody in a group", file=name)
    groups = {key: Group(key, tuple(people)) for key, people in members.items()}
    return MappingProxyType({m.canvas_id: groups[key] for key, people in members.items() for m in people})
