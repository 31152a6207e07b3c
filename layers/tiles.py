"""Vector tiles of planning layers: which layer version a tile URL means, its ETag, and a tile cache.

A tile URL names a layer by id (``12``) or by kind slug (``land_use``: the layer of that kind whose
current version is the newest), optionally pinned to a version number. Versions are immutable (an import
adds a version, nothing is overwritten), so a tile of a given version never changes: its ETag is the
layer id, the version and the tile format revision, and rendered tiles are cached in process by version,
gzip-compressed once.
A new version gets a new ETag, so no client is ever served a stale tile after revalidation.

Below the detail zoom (``BLUEPRINT_TILE_DETAIL_ZOOM``, default 15) a tile carries only
:data:`SUMMARY_ATTRIBUTES` (what says what a feature is), which halves the bytes and the time of a
zoomed-out tile over 200,000 land-use zones; closer in, every stored attribute and the true area.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine, text

from gis.db import get_engine
from gis.messages import Message, Text, phrases
from gis.tiles import TILE_FORMAT_REVISION, TileAddress, TileSettings, render_tile, tile_settings
from layers.catalogue import LAYER_KINDS

SUMMARY_ATTRIBUTES: tuple[str, ...] = (
    "name", "landuse_code", "landuse_name", "tier", "risk_level", "acquisition_status", "demolition_status",
)
"""What says what a feature is: its name, and the class, tier or status that the conflict rules and the map
legend tell apart (a feature has whichever of them its layer kind uses)."""


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

    def etag(self, settings: TileSettings | None = None) -> str:
        """Strong ETag of every tile of this version (quoted, as HTTP sends it)."""
        settings = settings or tile_settings()
        limits = f"{settings.max_features}-{settings.min_feature_pixels:g}-{settings.detail_zoom}"
        return f'"L{self.layer_id}.v{self.version}.t{TILE_FORMAT_REVISION}-{limits}"'


_BY_ID = text(
    "SELECT l.id, l.kind, v.version, v.id AS version_id FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
    "WHERE l.id = :layer AND (CAST(:version AS integer) IS NULL OR v.version = :version) "
    "ORDER BY v.version DESC LIMIT 1"
)
# A kind means its layer whose latest import is the newest; the version is then looked up in that layer.
_BY_KIND = text(
    "SELECT l.id, l.kind, v.version, v.id AS version_id FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
    "WHERE l.id = (SELECT v2.layer_id FROM layer_versions v2 JOIN layers l2 ON l2.id = v2.layer_id "
    "              WHERE l2.kind = :kind ORDER BY v2.id DESC LIMIT 1) "
    "AND (CAST(:version AS integer) IS NULL OR v.version = :version) ORDER BY v.version DESC LIMIT 1"
)
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
    source = TileSource(row.id, row.kind, row.version, row.version_id)
    if layer.isdigit() and version is not None:
        _pinned[source.layer_id, version] = source
    return source


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
    """A byte-bounded LRU of rendered tiles, keyed by layer version and tile address (thread-safe)."""

    def __init__(self) -> None:
        self._tiles: OrderedDict[tuple[int, TileAddress], Tile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[int, TileAddress]) -> Tile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
            return tile

    def put(self, key: tuple[int, TileAddress], tile: Tile, budget_bytes: int) -> None:
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


def cached_tile(source: TileSource, address: TileAddress) -> Tile | None:
    """The tile if it is in the cache (no database round trip), else None."""
    return tile_cache.get((source.version_id, address))


def tile_attributes(kind: str, *, detailed: bool) -> tuple[str, ...] | None:
    """The attributes of a tile of ``kind``: all (None) or the summary, within the kind's public whitelist."""
    layer_kind = LAYER_KINDS.get(kind)
    public = layer_kind.public_attributes if layer_kind else None
    if public is None:
        return None if detailed else SUMMARY_ATTRIBUTES
    return public if detailed else tuple(key for key in SUMMARY_ATTRIBUTES if key in public)


def layer_tile(source: TileSource, address: TileAddress, engine: Engine | None = None) -> Tile:
    """The MVT of ``source`` at ``address`` (one MVT layer named after the layer kind), compressed once."""
    settings = tile_settings()
    cached = cached_tile(source, address)
    if cached is not None:
        return cached
    attributes = tile_attributes(source.kind, detailed=address.z >= settings.detail_zoom)
    with (engine or get_engine()).begin() as connection:
        data = render_tile(connection, version_id=source.version_id, address=address, layer_name=source.kind,
                           attributes=attributes, settings=settings)
    tile = Tile.of(data)
    tile_cache.put((source.version_id, address), tile, settings.cache_mb * 1024 * 1024)
    return tile
