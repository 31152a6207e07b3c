"""The departments (部门) connected to the platform, on three levels (city 市级, district 区级, town/street 镇街),
and the responsibility table (职责) saying who answers for which concern in which district.

The shipped structure is ``layers/departments.toml`` (the one place the responsibility table is written down,
with the names it had to assume); migration 0012 seeds the ``departments`` and ``department_responsibilities``
tables from it, and from then on the tables are the truth (read through :mod:`projects.departments`).

:class:`Department` keeps the six city bureaus' slugs as constants: they are the stable API ids of those bureaus
and name the *line of work* (系统) a layer kind's rules belong to.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from layers.divisions import SHIPPED_DIVISIONS_FILE, divisions

SHIPPED_DEPARTMENTS = Path(__file__).resolve().with_name("departments.toml")
CITY_CODE = "350200"
"""GB/T 2260 code of 厦门市, the city level's division."""


class Department(StrEnum):
    """A city bureau, by its stable slug; also the line of work of every department below it."""

    NDRC = "ndrc"
    NATURAL_RESOURCES = "natural_resources"
    ECOLOGY_ENVIRONMENT = "ecology_environment"
    WATER = "water"
    LAND_ACQUISITION = "land_acquisition"
    CONSTRUCTION = "construction"

    @property
    def name_zh(self) -> str:
        return seed().by_slug[self.value].name_zh

    @property
    def name_en(self) -> str:
        return seed().by_slug[self.value].name_en


class Level(StrEnum):
    """A department's level: 市级, 区级, 镇街."""

    CITY = "city"
    DISTRICT = "district"
    TOWN = "town"


@dataclass(frozen=True)
class DepartmentSeed:
    """One department as shipped: ``division_code`` is 厦门市's code for the city, a district's 6-digit GB/T 2260
    code, or a town's or street's 9-digit code; ``line`` is the slug of the city bureau of its line of work."""

    slug: str
    name_zh: str
    name_en: str
    level: Level
    division_code: str
    parent: str | None
    line: str


@dataclass(frozen=True)
class Responsibility:
    """``department`` answers for ``concern`` (of ``category``) for sites in district ``district_code``."""

    department: str
    category: str
    concern: str
    district_code: str


@dataclass(frozen=True)
class District:
    """A district of the city: GB/T 2260 code, its Chinese name (from the division codes), its English one."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Seed:
    departments: tuple[DepartmentSeed, ...]
    responsibilities: tuple[Responsibility, ...]
    districts: tuple[District, ...]

    @cached_property
    def by_slug(self) -> dict[str, DepartmentSeed]:
        """Built once: a screening reads two names for each of its conflicts."""
        return {d.slug: d for d in self.departments}


def _names(template: dict[str, str], district: dict[str, Any], name_zh: str) -> tuple[str, str]:
    short = name_zh.removesuffix("区")
    return (template["zh"].format(district=name_zh, short=short),
            template["en"].format(district_en=district["en"]))


@cache
def seed(path: Path = SHIPPED_DEPARTMENTS) -> Seed:
    """The shipped departments and responsibilities, expanded from the file (district names from the codes)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    names = {d.code: d.name for d in divisions(SHIPPED_DIVISIONS_FILE)}  # the shipped codes, whatever a site configures
    lines: dict[str, dict[str, Any]] = data["lines"]
    departments = [DepartmentSeed(line, spec["city"]["zh"], spec["city"]["en"], Level.CITY, CITY_CODE, None, line)
                   for line, spec in lines.items()]
    responsibilities = []
    for district in data["districts"]:
        name_zh = names[district["code"]]
        for line, spec in lines.items():
            if "district" in spec:
                zh, en = _names(spec["district"], district, name_zh)
                departments.append(DepartmentSeed(f"{district['slug']}_{line}", zh, en, Level.DISTRICT,
                                                  district["code"], line, line))
        local = set(district["district_answers"])
        unknown = local - set(data["concerns"])
        if unknown:
            raise ValueError(f"{path}: district {district['code']} answers for unknown concerns {sorted(unknown)}")
        for concern, spec in data["concerns"].items():
            answering = f"{district['slug']}_{spec['line']}" if concern in local else spec["line"]
            responsibilities.append(Responsibility(answering, spec["category"], concern, district["code"]))
    district_names = {d["code"]: names[d["code"]] for d in data["districts"]}
    for town in data["towns"]:
        district_code = town["code"][:6]
        departments.append(DepartmentSeed(
            town["slug"], f"{district_names[district_code]}{names[town['code']]}"
            f"{'人民政府' if names[town['code']].endswith('镇') else '办事处'}", town["en"], Level.TOWN,
            town["code"], town["parent"], town["parent"].split("_", 1)[1]))
    slugs = {d.slug for d in departments}
    if missing := {d.parent for d in departments if d.parent} - slugs:
        raise ValueError(f"{path}: unknown parent departments {sorted(missing)}")
    return Seed(tuple(departments), tuple(responsibilities),
                tuple(District(d["code"], names[d["code"]], d["en"]) for d in data["districts"]))
