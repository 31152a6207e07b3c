"""The departments as the database holds them (部门, tables of migration 0012) and the routing of a
proposal's concerns to the department responsible at the level and district where its site lies.

A concern (a layer kind's conflicts, the review a project type needs, an approval item type, a building
condition) is answered in a district by the department the responsibility table names for that district; where
the table names none (a site outside the six districts), by the city bureau of the concern's line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import Message, Text, phrases
from layers.departments import Level

LEVEL_NAMES: dict[str, Text] = {Level.CITY: Text("市级", "city"), Level.DISTRICT: Text("区级", "district"),
                                Level.TOWN: Text("镇街", "town/street")}
CATEGORIES = ("layer_kind", "review", "item_type", "condition")

phrases(
    "departments",
    level=Text("层级须为 {values} 之一", "level is one of {values}"),
    district=Text("请填写6位区级行政区划代码，如350213", "give a district's 6-digit code, e.g. 350213"),
)


class DepartmentInputError(ValueError):
    """A filter or slug that names no department (HTTP 400/422); the message says why."""

    def __init__(self, field_name: str, message: Message) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class DepartmentRow:
    slug: str
    name_zh: str
    name_en: str
    level: str
    division_code: str
    parent: str | None
    line: str

    @property
    def name(self) -> Text:
        """The full name, for a message (the English one names the Chinese too, as officials write it)."""
        return Text(self.name_zh, f"{self.name_en} ({self.name_zh})")

    def summary(self) -> dict[str, Any]:
        """What a page or a client shows of a department beside a slug: names and level in both languages."""
        level = LEVEL_NAMES[self.level]
        return {"department": self.slug, "zh": self.name_zh, "en": self.name_en, "level": self.level,
                "level_zh": level.zh, "level_en": level.en, "division_code": self.division_code}


@dataclass(frozen=True)
class Directory:
    """Every department and the responsibility table, read once for a request."""

    departments: dict[str, DepartmentRow]
    routes: dict[tuple[str, str], str]
    """(concern, district code) → the department answering for it there."""
    lines: dict[str, str] = field(default_factory=dict)
    """concern → its line of work (the city bureau's slug)."""
    categories: dict[str, str] = field(default_factory=dict)
    """concern → its category (``layer_kind``, ``review``, ``item_type``, ``condition``)."""

    def concerns(self, category: str) -> list[str]:
        return sorted(c for c, k in self.categories.items() if k == category)

    def route(self, concern: str, district_code: str, line: str | None = None) -> str:
        """The department answering for ``concern`` for a site in ``district_code``: the one the table names
        (when ``line`` is given, only if it is of that line), else the city bureau of the line."""
        line = line or self.lines.get(concern)
        routed = self.routes.get((concern, district_code))
        if routed is not None and (line is None or self.departments[routed].line == line):
            return routed
        if line is None:
            raise KeyError(concern)
        return line

    def name(self, slug: str) -> Text:
        """A department's full name; an unknown slug (a marking made under a role's name) as it is."""
        department = self.departments.get(slug)
        return department.name if department else Text(slug, slug)

    def summary(self, slug: str) -> dict[str, Any]:
        department = self.departments.get(slug)
        if department is None:
            return {"department": slug, "zh": slug, "en": slug, "level": None, "level_zh": None, "level_en": None,
                    "division_code": None}
        return department.summary()


def load_directory(connection: Connection) -> Directory:
    """The departments and the responsibility table as the database holds them now."""
    departments = {row.slug: DepartmentRow(row.slug, row.name_zh, row.name_en, row.level, row.division_code,
                                           row.parent, row.line)
                   for row in connection.execute(text(
                       "SELECT slug, name_zh, name_en, level, division_code, parent, line FROM departments"))}
    routes: dict[tuple[str, str], str] = {}
    lines: dict[str, str] = {}
    categories: dict[str, str] = {}
    for row in connection.execute(text(
            "SELECT r.concern, r.district_code, r.department, r.category, d.line FROM department_responsibilities r "
            "JOIN departments d ON d.slug = r.department")):
        routes[row.concern, row.district_code] = row.department
        lines[row.concern] = row.line
        categories[row.concern] = row.category
    return Directory(departments, routes, lines, categories)


def department_tree(connection: Connection, *, level: str | None = None,
                    district: str | None = None) -> list[dict[str, Any]]:
    """The departments as a tree (city bureaus, their district counterparts, the towns under those), each with
    its responsibilities by category (concern → the district codes it answers for). ``level`` keeps the
    departments of one level (as a flat list of roots), ``district`` those of a district (its own departments
    and the city bureaus that answer for something there)."""
    if level is not None and level not in LEVEL_NAMES:
        raise DepartmentInputError("level", Message("departments.level", values=list(LEVEL_NAMES)))
    if district is not None and not (len(district) == 6 and district.isdigit()):
        raise DepartmentInputError("district", Message("departments.district"))
    directory = load_directory(connection)
    answers: dict[str, dict[str, dict[str, list[str]]]] = {slug: {c: {} for c in CATEGORIES}
                                                           for slug in directory.departments}
    for row in connection.execute(text("SELECT department, category, concern, district_code "
                                       "FROM department_responsibilities ORDER BY concern, district_code")):
        answers[row.department][row.category].setdefault(row.concern, []).append(row.district_code)

    def keep(d: DepartmentRow) -> bool:
        if level is not None and d.level != level:
            return False
        if district is None:
            return True
        return d.division_code.startswith(district) or any(
            district in codes for concerns in answers[d.slug].values() for codes in concerns.values())

    kept = {slug for slug, d in directory.departments.items() if keep(d)}
    children: dict[str | None, list[DepartmentRow]] = {}
    for d in sorted(directory.departments.values(), key=lambda d: (d.division_code, d.slug)):
        if d.slug in kept:
            parent = d.parent if d.parent in kept else None
            children.setdefault(parent, []).append(d)

    def node(d: DepartmentRow) -> dict[str, Any]:
        parent = directory.departments.get(d.parent) if d.parent else None
        return {**d.summary(), "line": d.line, "parent": d.parent,
                "parent_zh": parent.name_zh if parent else None, "parent_en": parent.name_en if parent else None,
                "responsibilities": answers[d.slug],
                "children": [node(child) for child in children.get(d.slug, [])]}

    return [node(d) for d in children.get(None, [])]
