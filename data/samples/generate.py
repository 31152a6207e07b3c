"""Seeded generator of realistic, synthetic planning layers on the real land of Xiamen.

    python -m data.samples.generate --scale 1 --out data/samples/xiamen --seed 20241
    python -m data.samples.generate --scale 100 --out .blueprint-data/samples-scale-100 --format gpkg

Inputs are the real districts (GCJ-02), admin codes and GSHHG coastline in `data/samples/xiamen/`; they are
copied unchanged next to the output. Every planning layer is synthetic (see PROVENANCE.md). Output geometry
is WGS84 lon/lat (EPSG:4326), except `basic_farmland` (EPSG:4490, CGCS2000 lon/lat) and
`soil_water_conservation` (EPSG:4548, Gauss-Kruger metres), which exercise CRS handling; the CRS of every
file is in `manifest.json`. The same seed and scale give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import shapely

from .geo import ADMIN_CODES_FILE, COASTLINE_FILE, DISTRICTS_FILE, SOURCE_DIR, Base, fill_pinholes, load_base
from .layers import (
    Plan,
    build_acquisition,
    build_blocks,
    build_farmland,
    build_flood,
    build_investment,
    build_land_use,
    build_red_line,
    build_rivers,
    build_soil_water,
    build_udb,
    build_water,
    river_lines,
)
from .proposals import PROPOSALS_KIND, build_proposals
from .writers import write_geojson, write_gpkg

DEFAULT_SEED = 20241

# kind -> (Chinese name, English name), in the order the files are listed
LAYER_NAMES: dict[str, tuple[str, str]] = {
    "land_use": ("国土空间规划用地", "Planned land use zones"),
    "ecological_red_line": ("生态保护红线", "Ecological protection red line"),
    "basic_farmland": ("永久基本农田", "Permanent basic farmland"),
    "urban_development_boundary": ("城镇开发边界", "Urban development boundary"),
    "water_source_protection": ("饮用水水源保护区", "Drinking-water source protection zones"),
    "river_management_range": ("河道管理范围（蓝线）", "River management range (blue line)"),
    "flood_risk": ("洪涝风险区", "Flood risk zones"),
    "soil_water_conservation": ("水土流失重点预防区和重点治理区", "Soil and water conservation zones"),
    "land_acquisition": ("征地拆迁地块", "Land acquisition and demolition parcels"),
    "investment_parcel": ("招商地块", "Parcels open for investment"),
    PROPOSALS_KIND: ("项目预选址（样例）", "Sample project proposals (proposed sites)"),
}
# The real inputs copied next to the output: file -> (kind, Chinese name, English name, CRS)
REAL_FILES: dict[str, tuple[str, str, str, str | None]] = {
    DISTRICTS_FILE: ("district", "厦门市行政区划", "Xiamen districts", "GCJ02"),
    ADMIN_CODES_FILE: ("admin_codes", "厦门市行政区划代码", "Xiamen administrative division codes", None),
    COASTLINE_FILE: ("coastline", "海岸线（GSHHG）", "Coastline (GSHHG)", "EPSG:4326"),
}


@dataclass
class ManifestEntry:
    """One file of a sample set."""

    file: str
    kind: str  # a layer kind slug of the catalogue, or "proposals", "admin_codes", "coastline"
    name: str  # "中文名 English name", used as the layer name on import
    crs: str | None  # "EPSG:4326", "EPSG:4490", "EPSG:4548", "GCJ02", or None for a table
    feature_count: int  # features, or data rows of a table
    source: str  # "real" (copied unchanged) or "synthetic" (made by this generator)


@dataclass
class Manifest:
    """What `generate` wrote, saved as manifest.json: `files` lists every file; `layers` repeats the
    planning layers to import (not the districts, imported on their own with crs GCJ02); `proposals` is the
    proposals file name."""

    seed: int
    scale: int
    format: str
    files: list[ManifestEntry] = field(default_factory=list)
    generator: str = "python -m data.samples.generate"

    def entry(self, kind: str) -> ManifestEntry:
        """The file of one kind."""
        return next(e for e in self.files if e.kind == kind)

    @property
    def layers(self) -> list[ManifestEntry]:
        return [e for e in self.files if e.source == "synthetic" and e.kind != PROPOSALS_KIND]

    def to_json(self) -> str:
        data = asdict(self)
        data["layers"] = [asdict(e) for e in self.layers]
        data["proposals"] = self.entry(PROPOSALS_KIND).file
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def build_plan(seed: int, base: Base, scale: int) -> Plan:
    """Every synthetic layer, in EPSG:4548, in dependency order (later layers keep clear of earlier ones)."""
    blocks = build_blocks(seed, base)
    plan = Plan(base, blocks)
    land_use = build_land_use(seed, base, blocks, scale)
    udb = build_udb(base, blocks)
    plan.udb_union = fill_pinholes(shapely.union_all(udb.geometry))
    red = build_red_line(seed, base, plan.udb_union, scale)
    soil = build_soil_water(seed, base, plan.udb_union, scale)
    water = build_water(seed, base, scale)
    lines = river_lines(base)
    rivers = build_rivers(base, lines)
    flood = build_flood(base, lines)
    tier1 = water.geometry[np.asarray(water.columns["tier"]) == 1]
    # Farmland, acquisition and investment parcels stay out of the protected areas and of each other.
    no_farm = shapely.union_all(np.concatenate([red.geometry, rivers.geometry, tier1]))
    farmland = build_farmland(seed, land_use, no_farm)
    avoid = shapely.union_all(np.concatenate([[no_farm], water.geometry, farmland.geometry]))
    acquisition, used = build_acquisition(seed, base, blocks, plan.udb_union, avoid)
    avoid = shapely.union_all(np.concatenate([[avoid], acquisition.geometry]))
    investment = build_investment(seed, base, blocks, used, avoid)
    for layer in (land_use, red, farmland, udb, water, rivers, flood, soil, acquisition, investment):
        plan.layers[layer.kind] = layer
    plan.layers[PROPOSALS_KIND] = build_proposals(seed, plan)
    return plan


def generate(out_dir: Path, scale: int = 1, seed: int = DEFAULT_SEED, fmt: str = "geojson") -> Manifest:
    """Write one file per layer plus the real inputs and `manifest.json` into `out_dir`.

    `scale` multiplies the number of land-use zones (about 2,000 x scale) and the vertex detail of the red
    line; `fmt` is "geojson" or "gpkg" (proposals are always GeoJSON: their `expected` is a list).
    """
    if scale < 1:
        raise ValueError("scale must be >= 1")
    if fmt not in ("geojson", "gpkg"):
        raise ValueError("fmt must be 'geojson' or 'gpkg'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = build_plan(seed, load_base(), scale)
    manifest = Manifest(seed=seed, scale=scale, format=fmt)
    for kind, (zh, en) in LAYER_NAMES.items():
        layer = plan.layers[kind]
        ext = "gpkg" if fmt == "gpkg" and kind != PROPOSALS_KIND else "geojson"
        path = out_dir / f"{kind}.{ext}"
        count = write_gpkg(layer, path) if ext == "gpkg" else write_geojson(layer, path)
        manifest.files.append(ManifestEntry(path.name, kind, f"{zh} {en}", layer.crs, count, "synthetic"))
    for name, (kind, zh, en, crs) in REAL_FILES.items():
        source, target = SOURCE_DIR / name, out_dir / name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        manifest.files.append(ManifestEntry(name, kind, f"{zh} {en}", crs, _count(target), "real"))
    (out_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _count(path: Path) -> int:
    """Features of a GeoJSON file, or data rows of a CSV file."""
    if path.suffix == ".csv":
        return sum(1 for _ in path.open(encoding="utf-8")) - 1
    return len(json.loads(path.read_text(encoding="utf-8"))["features"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.samples.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="about 2,000 x SCALE land-use zones (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--format", choices=("geojson", "gpkg"), default=None,
                        help="file format (default: geojson up to scale 5, gpkg above)")
    args = parser.parse_args(argv)
    fmt = args.format or ("geojson" if args.scale <= 5 else "gpkg")
    started = time.perf_counter()
    manifest = generate(args.out, scale=args.scale, seed=args.seed, fmt=fmt)
    for e in manifest.files:
        print(f"{e.file:48} {e.feature_count:>8} {e.crs or '-':10} {e.source}")
    print(f"scale {args.scale}, seed {args.seed}: {time.perf_counter() - started:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
