"""Administrative divisions (行政区划) of the planning area: districts (区) and towns and streets (镇街).

Read from the shipped code list ``data/samples/xiamen/xiamen_admin_codes_china-division-2.7.0.csv`` (npm
``china-division@2.7.0``; GB/T 2260 codes to county level, the National Bureau of Statistics' 9-digit codes of
towns and streets below; see ``data/samples/PROVENANCE.md``), or the file ``BLUEPRINT_DIVISIONS_FILE`` names
(same columns: ``level,code,name,parent_code``). The list has names and codes only, no boundaries: where a
division lies is the district layer's business (districts), and for a town or street only its district is
known.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

SHIPPED_DIVISIONS_FILE = (Path(__file__).resolve().parents[1] / "data" / "samples" / "xiamen"
                          / "xiamen_admin_codes_china-division-2.7.0.csv")
SEARCHED_LEVELS = ("district", "street")
"""The levels a search finds: districts, and the township level (镇街: streets, towns and the farms and zones
the code list files beside them). Villages and communities (村居) are left out."""


class DivisionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    divisions_file: Path = SHIPPED_DIVISIONS_FILE


@dataclass(frozen=True)
class Division:
    """One division: ``level`` as the code list writes it (``district``, ``street`` for the whole township
    level), its code and name, and the code of the division it belongs to."""

    level: str
    code: str
    name: str
    parent_code: str | None

    @property
    def township_type(self) -> str | None:
        """街道 ``street``, 镇 ``town``, 乡 ``township``, or ``other`` (a farm, forest farm or development zone
        coded at that level), from the name; None above the township level."""
        if self.level != "street":
            return None
        for suffix, kind in (("街道", "street"), ("镇", "town"), ("乡", "township")):
            if self.name.endswith(suffix):
                return kind
        return "other"


@lru_cache
def divisions(path: Path | None = None) -> tuple[Division, ...]:
    """Every division of the code list (read once)."""
    with open(path or DivisionSettings().divisions_file, encoding="utf-8", newline="") as source:
        return tuple(Division(row["level"], row["code"], row["name"], row["parent_code"] or None)
                     for row in csv.DictReader(source))


def find_divisions(query: str, limit: int) -> list[Division]:
    """Districts, towns and streets whose name contains ``query`` or whose code starts with it (six digits at
    least); exact names first, then names that start with it, then the rest, each in code order."""
    query = query.strip()
    by_code = query.isdigit() and len(query) >= 6

    def rank(division: Division) -> int | None:
        if by_code:
            return 0 if division.code == query else 1 if division.code.startswith(query) else None
        if division.name == query:
            return 0
        return 1 if division.name.startswith(query) else 2 if query in division.name else None

    ranked = [(rank(d), d.code, d) for d in divisions() if d.level in SEARCHED_LEVELS]
    found = sorted((item for item in ranked if item[0] is not None), key=lambda item: item[:2])
    return [division for _, _, division in found[:limit]]
