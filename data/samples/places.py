"""Approximate named places of Xiamen used to put the synthetic planning layers in plausible spots.

Every position here is WGS84 longitude/latitude in degrees and APPROXIMATE (typically within 1-3 km): they
were written from general geographic knowledge of Xiamen, not surveyed or copied from a map, and serve only
to steer the synthetic layers (where the urban cores, hills, reservoirs and rivers roughly are). Radii are
metres on the ground. Nothing in this module is real planning data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    """A named approximate place: WGS84 lon/lat in degrees, a radius of influence in metres."""

    name: str
    lon: float
    lat: float
    radius_m: float


# Built-up mainland cores that the urban development boundary grows around (Xiamen Island, i.e. 思明 and
# 湖里, is urban as a whole and needs no anchor).
URBAN_CORES: tuple[Anchor, ...] = (
    Anchor("海沧城区", 118.040, 24.485, 4200),
    Anchor("海沧城区", 118.025, 24.535, 3000),  # 新阳 / 马銮湾 south shore
    Anchor("集美城区", 118.100, 24.590, 3000),  # 集美学村 and 集美新城
    Anchor("集美城区", 118.050, 24.572, 2600),  # 杏林
    Anchor("集美城区", 117.985, 24.615, 2200),  # 灌口
    Anchor("同安城区", 118.155, 24.728, 3000),
    Anchor("同安城区", 118.140, 24.668, 2400),  # 西柯 / 同安新城
    Anchor("翔安新城", 118.255, 24.620, 3600),  # 新店
    Anchor("翔安新城", 118.255, 24.665, 2200),  # 马巷
)

# Industrial clusters inside the urban cores (工业集中区), where land use 10 dominates.
INDUSTRIAL_CLUSTERS: tuple[Anchor, ...] = (
    Anchor("海沧新阳工业区", 118.030, 24.532, 2200),
    Anchor("集美机械工业集中区", 117.990, 24.620, 1800),
    Anchor("杏林工业区", 118.045, 24.575, 1400),
    Anchor("翔安火炬产业区", 118.240, 24.598, 2200),
)

# Hills (no elevation data is used: these are the hill areas by name, roughly).
HILLS: tuple[Anchor, ...] = (
    Anchor("莲花山区", 118.030, 24.820, 5500),
    Anchor("汀溪山区", 118.140, 24.865, 5000),
    Anchor("北辰山", 118.180, 24.790, 3000),
    Anchor("大帽山", 118.310, 24.745, 3800),
    Anchor("天竺山", 117.955, 24.585, 3200),
    Anchor("集美北部山地", 118.000, 24.705, 3400),
    Anchor("万石山", 118.115, 24.456, 1400),
    Anchor("仙岳山", 118.117, 24.497, 800),
)

# Reservoirs that feed Xiamen's drinking water; the protection zones are drawn around them.
RESERVOIRS: tuple[Anchor, ...] = (
    Anchor("汀溪水库", 118.130, 24.800, 700),
    Anchor("坂头水库", 118.020, 24.660, 600),
    Anchor("石兜水库", 118.000, 24.688, 500),
)

# Approximate river courses, upstream to mouth, WGS84 lon/lat.
RIVERS: dict[str, tuple[tuple[float, float], ...]] = {
    "九溪": ((118.300, 24.770), (118.285, 24.735), (118.268, 24.700), (118.258, 24.678), (118.240, 24.662),
             (118.222, 24.655)),
    "西溪": ((118.133, 24.792), (118.140, 24.762), (118.150, 24.738), (118.158, 24.716), (118.165, 24.698),
             (118.170, 24.684)),
    "东溪": ((118.228, 24.792), (118.208, 24.762), (118.188, 24.737), (118.160, 24.718)),
    "后溪": ((117.985, 24.705), (118.008, 24.672), (118.033, 24.642), (118.053, 24.622), (118.068, 24.606)),
    "过芸溪": ((117.935, 24.602), (117.962, 24.588), (117.984, 24.577), (118.002, 24.566)),
}

# Stretches of coast with mangroves, tidal flats or an exposed shore, for coastal red-line strips.
COASTAL_REACHES: tuple[Anchor, ...] = (
    Anchor("下潭尾红树林", 118.240, 24.600, 2600),
    Anchor("翔安东部海岸", 118.335, 24.610, 4500),
    Anchor("海沧湾红树林", 118.050, 24.468, 2200),
    Anchor("马銮湾滨海湿地", 118.010, 24.560, 2200),
)

# Low coastal land exposed to storm surge and tide-locked rain floods.
LOW_COASTS: tuple[Anchor, ...] = (
    Anchor("杏林湾沿岸", 118.065, 24.595, 2500),
    Anchor("马銮湾沿岸", 118.020, 24.555, 2500),
    Anchor("同安湾西岸", 118.170, 24.660, 3000),
    Anchor("翔安南部沿海", 118.290, 24.585, 3500),
)

# Approximate seats of streets (街道) and towns (镇) listed in the admin codes CSV, by 9-digit code.
# Units coded 4xx (farms, forest farms, development zones) are not streets or towns and are left out, as are
# the recently created streets whose seats could not be placed with confidence (同安 祥和/新美/美林, 翔安
# 凤翔/民安/香山/金海): a location names the nearest listed seat in the same district, so it is indicative.
STREET_SEATS: dict[str, tuple[float, float]] = {
    "350203001": (118.085, 24.444), "350203003": (118.085, 24.462), "350203005": (118.135, 24.443),
    "350203006": (118.078, 24.455), "350203007": (118.098, 24.470), "350203008": (118.118, 24.472),
    "350203009": (118.105, 24.485), "350203010": (118.155, 24.478), "350203011": (118.130, 24.488),
    "350203012": (118.067, 24.447),
    "350205001": (118.035, 24.485), "350205002": (118.030, 24.530), "350205003": (118.058, 24.462),
    "350205004": (117.965, 24.570),
    "350206001": (118.098, 24.512), "350206002": (118.112, 24.535), "350206003": (118.155, 24.507),
    "350206004": (118.135, 24.500), "350206005": (118.180, 24.515),
    "350211001": (118.105, 24.580), "350211002": (118.090, 24.605), "350211003": (118.050, 24.562),
    "350211004": (118.065, 24.585), "350211102": (117.985, 24.615), "350211103": (118.040, 24.640),
    "350212001": (118.150, 24.735), "350212002": (118.125, 24.715), "350212003": (118.180, 24.690),
    "350212004": (118.130, 24.668), "350212105": (118.040, 24.790), "350212107": (118.205, 24.718),
    "350212109": (118.140, 24.835), "350212110": (118.165, 24.790),
    "350213001": (118.345, 24.565), "350213002": (118.255, 24.665), "350213003": (118.250, 24.620),
    "350213103": (118.270, 24.735), "350213111": (118.300, 24.670),
}
