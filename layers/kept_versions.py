"""The current layer versions kept in this process for in-memory overlays
(:func:`gis.memory_overlay.overlay_in_memory`): each version's stored pieces, and its features' index and
properties.

A layer version is never changed once imported (the server's role may only insert into the layer store),
so what is read of it once stays right for as long as it is current. It is kept per engine and per
database (a database made again under the same URL, as tests do, starts afresh) and follows the process's
catalogue snapshot (:mod:`layers.snapshot`): a version that is no longer current is let go, a new one read
when a screening first needs it. At scale 100 (228,000 pieces, 200,000 land-use zones) reading them all
takes 3 to 6 s and holds about 260 MB; the properties are kept as their stored JSON text and parsed only
for the features a site lies on.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, text

from gis.memory_overlay import PieceIndex
from layers.snapshot import CatalogueSnapshot

_PIECES = text(
    "SELECT id, ST_AsBinary(geom) FROM layer_features WHERE version_id = :version AND NOT subdivided "
    "UNION ALL SELECT feature_id, ST_AsBinary(geom) FROM layer_feature_parts WHERE version_id = :version"
)
_FEATURES = text(
    "SELECT id, feature_index, convert_to(CAST(properties AS text), 'UTF8') FROM layer_features "
    "WHERE version_id = :version ORDER BY id"
)


@dataclass(frozen=True)
class KeptFeatures:
    """The features of one layer version: their ids (ascending), feature indexes (the order in the imported
    file) and properties as stored JSON text in UTF-8 bytes (a str holding one Chinese character takes two
    bytes for every character, the JSON's keys and digits too)."""

    ids: NDArray[np.int64]
    feature_indexes: NDArray[np.int64]
    properties: NDArray[np.object_]

    def of(self, feature_id: int) -> tuple[int, dict[str, Any]]:
        """The feature index and properties of the feature ``feature_id`` of this version."""
        at = int(np.searchsorted(self.ids, feature_id))
        if at == len(self.ids) or self.ids[at] != feature_id:
            raise KeyError(feature_id)
        return int(self.feature_indexes[at]), orjson.loads(self.properties[at])


@dataclass(frozen=True)
class KeptVersion:
    """What a screening reads of one layer version in memory."""

    pieces: PieceIndex
    features: KeptFeatures


@dataclass
class _Kept:
    database: Any
    by_version: dict[int, KeptVersion] = field(default_factory=dict)


_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary[Engine, _Kept] = weakref.WeakKeyDictionary()


def read_version(connection: Connection, version_id: int) -> KeptVersion:
    """The stored pieces of one layer version (whole features of few vertices and the parts of the rest) and
    its features' indexes and properties."""
    pieces = connection.execute(_PIECES, {"version": version_id}).all()
    features = connection.execute(_FEATURES, {"version": version_id}).all()
    return KeptVersion(
        PieceIndex.from_wkb([row[0] for row in pieces], [row[1] for row in pieces]),
        KeptFeatures(np.array([row[0] for row in features], dtype=np.int64),
                     np.array([row[1] for row in features], dtype=np.int64),
                     np.array([row[2] for row in features], dtype=object)))


def kept_versions(connection: Connection, snapshot: CatalogueSnapshot) -> dict[int, KeptVersion]:
    """Every version of ``snapshot`` by version id, read on ``connection`` where not kept yet.

    ``snapshot.stamp[0]`` names the database; versions kept for another one are dropped. Screenings that
    arrive while versions are read wait for them rather than read them again.
    """
    current = {version.version_id for version in snapshot.versions}
    with _lock:
        kept = _kept.get(connection.engine)
        if kept is None or kept.database != snapshot.stamp[0]:
            kept = _kept[connection.engine] = _Kept(snapshot.stamp[0])
        for version_id in current - kept.by_version.keys():
            kept.by_version[version_id] = read_version(connection, version_id)
        for version_id in kept.by_version.keys() - current:
            del kept.by_version[version_id]
        return dict(kept.by_version)
