"""The departments of the reference case, each responsible for some planning layers."""

from __future__ import annotations

from enum import StrEnum


class Department(StrEnum):
    """A department connected to the platform (slug values are stable API identifiers)."""

    NDRC = "ndrc"
    NATURAL_RESOURCES = "natural_resources"
    ECOLOGY_ENVIRONMENT = "ecology_environment"
    WATER = "water"
    LAND_ACQUISITION = "land_acquisition"
    CONSTRUCTION = "construction"

    @property
    def name_zh(self) -> str:
        return _NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _NAMES[self][1]


_NAMES: dict[Department, tuple[str, str]] = {
    Department.NDRC: ("发展和改革委员会", "Development and Reform Commission (NDRC)"),
    Department.NATURAL_RESOURCES: ("自然资源和规划局", "Natural Resources and Planning Bureau"),
    Department.ECOLOGY_ENVIRONMENT: ("生态环境局", "Ecology and Environment Bureau"),
    Department.WATER: ("水利局", "Water Resources Bureau"),
    Department.LAND_ACQUISITION: ("土地房屋征收管理", "Land and Housing Acquisition Office"),
    Department.CONSTRUCTION: ("建设局", "Construction Bureau"),
}
