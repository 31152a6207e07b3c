"""Vector tiles of planning layers: which layer version a tile URL means, its ETag, and a tile cache.

A tile URL names a layer by id (``12``) or by kind slug (``land_use``: the layer of that kind whose
current version is the newest), optionally pinned to a version number. Versions are immutable (an import
adds a version, nothing is overwritten), so a tile of a given version never changes: its ETag is the
layer id, the version and the tile format revision, and rendered tiles are cached in process by version,
gzip-compressed once.
A new version gets a new ETag, so no client is ever served a stale tile after revalidation.

A composite tile (:class:`CompositeSource`) holds several layers in one MVT, one MVT layer per kind (the
layers of one kind share it, each feature naming its ``layer_id``), so a map asks one tile per view tile
instead of one per layer; its ETag is made from the versions in it.

Below the detail zoom (``BLUEPRINT_TILE_DETAIL_ZOOM``, default 15) a tile carries only
:func:`summary_attributes` (what says what a feature is: its name and the planning attributes of its kind),
which halves the bytes and the time of a zoomed-out tile over 200,000 land-use zones; closer in, every
stored attribute and the true area.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from gis.db import get_engine
from gis.messages import Message, Text, phrases
from gis.tiles import (
    TILE_BUFFER,
    TILE_EXTENT,
    TILE_FORMAT_REVISION,
    TileAddress,
    TileLayerQuery,
    TileSettings,
    render_tiles,
    tile_settings,
)
from layers.catalogue import LAYER_KINDS
from layers.symbols import draw_rank

NAMING_ATTRIBUTES: tuple[str, ...] = ("name", "landuse_code", "landuse_name")
"""What names a feature, whatever its kind: its name, and its land-use class where it has one (a zone of the
land-use plan, a parcel open for investment)."""


phrases(
    "tile",
    unknown_layer=Text("“{layer}”既不是图层编号也不是图层类型；可用类型：{kinds}",
                       "{layer!r} is neither a layer id nor a layer kind; kinds: {kinds}"),
    no_layer=Text("没有图层{layer}。", "There is no layer {layer}."),
    no_layer_version=Text("图层{layer}没有第{version}版。", "There is no layer {layer} version {version}."),
    no_kind=Text("没有“{kind}”类型的图层。", "There is no layer of kind {kind}."),
    no_kind_version=Text("“{kind}”类型的图层没有第{version}版。",
                         "There is no layer of kind {kind} version {version}."),
)


class TileLayerNotFoundError(LookupError):
    """No stored layer (or version) answers to this tile URL."""


@dataclass(frozen=True)
class TileSource:
    """The layer version a tile URL resolves to."""

    layer_id: int
    kind: str
    version: int
    version_id: int
    extent: tuple[float, float, float, float] | None = None
    """West, south, east, north of the version's features (WGS84 degrees); None: not known."""

    @classmethod
    def of(cls, row: Any) -> TileSource:
        """The source of a row of layer id, kind, version, version id and extent."""
        extent = None if row.west is None else (row.west, row.south, row.east, row.north)
        return cls(row.id, row.kind, row.version, row.version_id, extent)

    def may_cover(self, address: TileAddress) -> bool:
        """Whether the tile (with its buffer) reaches the version's extent: a tile beyond it is empty, and needs
        no query."""
        if self.extent is None:
            return True
        west, south, east, north = address.bounds_deg(TILE_BUFFER / TILE_EXTENT)
        return not (east < self.extent[0] or west > self.extent[2] or north < self.extent[1]
                    or south > self.extent[3])

    def etag(self, settings: TileSettings | None = None) -> str:
        """Strong ETag of every tile of this version (quoted, as HTTP sends it)."""
        return f'"L{self.layer_id}.v{self.version}.t{_format(settings)}"'


def _format(settings: TileSettings | None) -> str:
    """What else than the versions decides a tile's bytes: the code's revision and the limits in force."""
    settings = settings or tile_settings()
    return f"{TILE_FORMAT_REVISION}-{settings.max_features}-{settings.min_feature_pixels:g}-{settings.detail_zoom}"


_SOURCE = (
    "SELECT l.id, l.kind, v.version, v.id AS version_id, ST_XMin(v.extent) AS west, ST_YMin(v.extent) AS south, "
    "ST_XMax(v.extent) AS east, ST_YMax(v.extent) AS north FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
)
_BY_ID = text(
    _SOURCE + "WHERE l.id = :layer AND (CAST(:version AS integer) IS NULL OR v.version = :version) "
    "ORDER BY v.version DESC LIMIT 1"
)
# A kind means its layer whose latest import is the newest; the version is then looked up in that layer.
_BY_KIND = text(
    _SOURCE + "WHERE l.id = (SELECT v2.layer_id FROM layer_versions v2 JOIN layers l2 ON l2.id = v2.layer_id "
    "              WHERE l2.kind = :kind ORDER BY v2.id DESC LIMIT 1) "
    "AND (CAST(:version AS integer) IS NULL OR v.version = :version) ORDER BY v.version DESC LIMIT 1"
)
_CURRENT = text("SELECT DISTINCT ON (l.id) " + _SOURCE.removeprefix("SELECT ") + "ORDER BY l.id, v.version DESC")
"""Every stored layer's current version (its highest), as a tile source."""
MAX_ID = 2**31 - 1
"""Layer ids and version numbers are PostgreSQL integers."""
_pinned: dict[tuple[int, int], TileSource] = {}
"""(layer id, version) -> source: a pinned version never changes, so its lookup is done once."""


def known_source(layer: str, version: int | None) -> TileSource | None:
    """The source of a pinned layer version already looked up (no database round trip), else None."""
    return _pinned.get((int(layer), version)) if layer.isdigit() and version is not None else None


def resolve_tile_source(layer: str, version: int | None = None, engine: Engine | None = None) -> TileSource:
    """The layer version meant by ``layer`` (an id or a kind slug) and ``version`` (default: current)."""
    known = known_source(layer, version)
    if known is not None:
        return known
    if layer.isdigit() and int(layer) <= MAX_ID:
        statement, parameters = _BY_ID, {"layer": int(layer), "version": version}
    elif layer.isdigit():
        raise TileLayerNotFoundError(Message("tile.no_layer", layer=layer))
    elif layer in LAYER_KINDS:
        statement, parameters = _BY_KIND, {"kind": layer, "version": version}
    else:
        raise TileLayerNotFoundError(Message("tile.unknown_layer", layer=layer, kinds=list(LAYER_KINDS)))
    with (engine or get_engine()).connect() as connection:
        row = connection.execute(statement, parameters).one_or_none()
    if row is None:
        kind = Text(LAYER_KINDS[layer].name.zh, layer) if layer in LAYER_KINDS else layer
        raise TileLayerNotFoundError(
            Message("tile.no_layer" if layer.isdigit() else "tile.no_kind", layer=layer, kind=kind) if not version
            else Message("tile.no_layer_version" if layer.isdigit() else "tile.no_kind_version", layer=layer,
                         kind=kind, version=version))
    source = TileSource.of(row)
    if layer.isdigit() and version is not None:
        _pinned[source.layer_id, version] = source
    return source


class CompositeRequestError(ValueError):
    """The list of layers of a composite tile cannot be served as asked (the message says why)."""


phrases(
    "tile",
    empty_entry=Text("layers参数“{layers}”中有空项：请以逗号分隔图层编号或类型",
                     "layers has an empty entry in {layers!r}: name layers by id or kind, separated by commas"),
    entry_version=Text("“{part}”：冒号后的版本须为不小于1的整数",
                       "{part!r}: the version after ':' must be a whole number from 1"),
    too_many=Text("layers参数列出了{count}个图层；一个合成瓦片最多{most}个",
                  "layers names {count} layers; a composite tile takes at most {most}"),
    no_collection=Text("没有数据集“{id}”。", "There is no collection {id!r}."),
    named_twice=Text("layers参数重复列出了图层{layers}", "layers names layer {layers} more than once"),
)


MAX_COMPOSITE_LAYERS = 200
"""Entries a composite tile's layer list may name (a city has a few dozen layers; the list stays a short URL)."""


@dataclass(frozen=True)
class CompositeSource:
    """The layer versions of a composite tile, in the order their kinds are drawn (bottom first: a kind's MVT
    layer comes where its first layer is named). ``pinned``: every version was named, so the tiles never change.
    """

    sources: tuple[TileSource, ...]
    pinned: bool

    @property
    def key(self) -> tuple[int, ...]:
        """The cache key: the version ids, in tile order."""
        return tuple(source.version_id for source in self.sources)

    def by_kind(self) -> dict[str, tuple[TileSource, ...]]:
        """Kind -> its layers, in tile order: one MVT layer each."""
        kinds: dict[str, tuple[TileSource, ...]] = {}
        for source in self.sources:
            kinds[source.kind] = (*kinds.get(source.kind, ()), source)
        return kinds

    def etag(self, settings: TileSettings | None = None) -> str:
        """Strong ETag of every tile of these versions: a new version of any layer in it changes it."""
        versions = ",".join(f"{source.layer_id}.{source.version}" for source in self.sources)
        digest = hashlib.blake2b(f"{versions};{_format(settings)}".encode(), digest_size=12).hexdigest()
        return f'"C{digest}"'

    def versions_header(self) -> str:
        """``kind=layer id.version`` of each layer, for people reading the response headers."""
        return ",".join(f"{source.kind}={source.layer_id}.{source.version}" for source in self.sources)


_pinned_composites: dict[str, CompositeSource] = {}
"""Layer list -> source, for lists whose every entry names a version (they never change)."""


def known_composite(layers: str | None) -> CompositeSource | None:
    """The source of a pinned layer list already looked up (no database round trip), else None."""
    return _pinned_composites.get(layers) if layers else None


def _entries(layers: str) -> list[tuple[str, int | None]]:
    """``land_use,12,13:2`` as (layer, version or None) pairs; a version is ``:N`` after the id or kind."""
    entries = []
    for part in layers.split(","):
        layer, _, version = part.strip().partition(":")
        if not layer:
            raise CompositeRequestError(Message("tile.empty_entry", layers=layers))
        if version and not (version.isdigit() and 1 <= int(version) <= MAX_ID):
            raise CompositeRequestError(Message("tile.entry_version", part=part))
        entries.append((layer, int(version) if version else None))
    if len(entries) > MAX_COMPOSITE_LAYERS:
        raise CompositeRequestError(Message("tile.too_many", count=len(entries), most=MAX_COMPOSITE_LAYERS))
    return entries


def resolve_composite(layers: str | None, engine: Engine | None = None) -> CompositeSource:
    """The layer versions of a composite tile.

    ``layers``: ids or kind slugs (a kind means its current layer, as in a layer's own tile URL) separated by
    commas, each optionally pinned to a version (``12:3``), kinds drawn in the order first named (bottom
    first); None or empty: every stored layer's current version, kinds in the platform's draw order. Every
    stored layer is public, as the per-layer tiles are. Raises :class:`TileLayerNotFoundError` for an entry
    that names no layer, :class:`CompositeRequestError` for a malformed list or a layer named twice.
    """
    known = known_composite(layers)
    if known is not None:
        return known
    if not layers:
        with (engine or get_engine()).connect() as connection:
            current = connection.execute(_CURRENT).all()
        sources = sorted((TileSource.of(row) for row in current),
                         key=lambda source: (draw_rank(source.kind), source.layer_id))
        return CompositeSource(tuple(sources), pinned=False)
    entries = _entries(layers)
    sources = [resolve_tile_source(layer, version, engine) for layer, version in entries]
    ids = [source.layer_id for source in sources]
    twice = sorted({layer_id for layer_id in ids if ids.count(layer_id) > 1})
    if twice:
        raise CompositeRequestError(Message("tile.named_twice", layers=twice))
    kinds = list(dict.fromkeys(source.kind for source in sources))
    sources.sort(key=lambda source: kinds.index(source.kind))  # the layers of a kind share its MVT layer
    composite = CompositeSource(tuple(sources), pinned=all(version is not None for _, version in entries))
    if composite.pinned:
        if len(_pinned_composites) >= 1024:  # bounded: a client cannot grow it without end
            _pinned_composites.clear()
        _pinned_composites[layers] = composite
    return composite


@dataclass(frozen=True)
class Tile:
    """A rendered tile, kept gzip-compressed as tile stores keep them: every browser takes it as it is."""

    gzipped: bytes

    @classmethod
    def of(cls, data: bytes) -> Tile:
        return cls(gzip.compress(data, compresslevel=6, mtime=0) if data else b"")

    @property
    def empty(self) -> bool:
        return not self.gzipped

    @property
    def data(self) -> bytes:
        """The MVT bytes, for the rare client that does not accept gzip."""
        return gzip.decompress(self.gzipped) if self.gzipped else b""

    @property
    def cost(self) -> int:
        """Bytes held in the cache, counting the key and bookkeeping (so empty tiles are not free)."""
        return len(self.gzipped) + 200


class _TileCache:
    """A byte-bounded LRU of rendered tiles, keyed by layer version (a version id, or the tuple of a
    composite's) and tile address (thread-safe)."""

    def __init__(self) -> None:
        self._tiles: OrderedDict[tuple[Hashable, TileAddress], Tile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Hashable, TileAddress]) -> Tile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
            return tile

    def put(self, key: tuple[Hashable, TileAddress], tile: Tile, budget_bytes: int) -> None:
        if tile.cost > budget_bytes:
            return
        with self._lock:
            if key in self._tiles:
                return
            self._tiles[key] = tile
            self._bytes += tile.cost
            while self._bytes > budget_bytes:
                _, evicted = self._tiles.popitem(last=False)
                self._bytes -= evicted.cost

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()
            self._bytes = 0


tile_cache = _TileCache()


def cached_tile(source: TileSource | CompositeSource, address: TileAddress) -> Tile | None:
    """The tile if it is in the cache (no database round trip), else None."""
    return tile_cache.get((_cache_key(source), address))


def _cache_key(source: TileSource | CompositeSource) -> Hashable:
    return source.key if isinstance(source, CompositeSource) else source.version_id


def summary_attributes(kind: str) -> tuple[str, ...]:
    """What says what a feature of ``kind`` is, kept in tiles below the detail zoom: its name and the planning
    attributes its kind declares (:attr:`LayerKind.attributes`: the land-use class, the red-line type, the
    farmland grade, the water-source tier, the flood risk level, the acquisition and demolition status…),
    which the conflict rules, the legend and a popup read."""
    layer_kind = LAYER_KINDS.get(kind)
    declared = tuple(attribute.name for attribute in layer_kind.attributes) if layer_kind else ()
    return NAMING_ATTRIBUTES + tuple(name for name in declared if name not in NAMING_ATTRIBUTES)


def tile_attributes(kind: str, *, detailed: bool) -> tuple[str, ...] | None:
    """The attributes of a tile of ``kind``: all (None) or the summary, within the kind's public whitelist."""
    layer_kind = LAYER_KINDS.get(kind)
    public = layer_kind.public_attributes if layer_kind else None
    summary = summary_attributes(kind)
    if public is None:
        return None if detailed else summary
    return public if detailed else tuple(key for key in summary if key in public)


def layer_tile(source: TileSource | CompositeSource, address: TileAddress, engine: Engine | None = None) -> Tile:
    """The MVT of ``source`` at ``address`` (one MVT layer per kind, named after it; in a composite, each
    feature names its ``layer_id``), compressed once and kept in the cache."""
    settings = tile_settings()
    cached = cached_tile(source, address)
    if cached is not None:
        return cached
    detailed = address.z >= settings.detail_zoom
    if isinstance(source, CompositeSource):
        queries = [TileLayerQuery(tuple(layer.version_id for layer in reaching), kind,
                                  tile_attributes(kind, detailed=detailed), tuple(layer.layer_id for layer in reaching))
                   for kind, layers in source.by_kind().items()
                   if (reaching := [layer for layer in layers if layer.may_cover(address)])]
    else:
        queries = ([TileLayerQuery((source.version_id,), source.kind, tile_attributes(source.kind, detailed=detailed))]
                   if source.may_cover(address) else [])
    data = b""
    if queries:
        with (engine or get_engine()).begin() as connection:
            data = render_tiles(connection, queries, address, settings)
    tile = Tile.of(data)
    tile_cache.put((_cache_key(source), address), tile, settings.cache_mb * 1024 * 1024)
    return tile
