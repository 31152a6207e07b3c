"""The attributes a layer kind's rules read: their types, allowed values and their check at import.

A rule that reads an attribute (the water-source ``tier``, a parcel's ``acquisition_status`` …) is only
as right as the values it reads: a tier written as the text ``"1"`` never matches the rule for tier 1,
and ``进行中`` is not ``in_progress``. So each layer kind declares the attributes its rules and its public
pages read (:class:`Attribute`), and the importer checks them (:func:`check_attributes`): a value that can
be read is normalised to its canonical form and reported; any other refuses the whole import, naming the
feature, the attribute and the allowed values.

The check looks at the distinct values of a column (Arrow ``value_counts``) and rewrites the column with
one ``take``, so its Python work grows with the number of different spellings, not with the features.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from gis.errors import SpatialInputError
from gis.messages import Clauses, Message, Text, phrases
from layers.land_use import FIRST_LEVEL_CLASSES, SECOND_LEVEL_CLASSES, is_known_class
from layers.source import LayerFile

MAX_LISTED_ISSUES = 100
"""Refused values listed in a rejection (the count says how many there were in all)."""

MAX_LISTED_FEATURES = 10
"""Feature indexes listed per normalised value in an import report."""

ACQUISITION_STATUSES: dict[str, Text] = {
    "not_started": Text("未启动", "not started"),
    "in_progress": Text("进行中", "in progress"),
    "done": Text("已完成", "done"),
}
"""Land acquisition (征地) status of a parcel, in the order progress goes."""

DEMOLITION_STATUSES: dict[str, Text] = {
    "not_started": Text("未启动", "not started"),
    "in_progress": Text("进行中", "in progress"),
    "done": Text("已完成", "done"),
    "not_needed": Text("无需拆迁", "not needed"),
}
"""Demolition (拆迁) status of a parcel; ``not_needed`` is as good as ``done`` for an investor."""

STATUS_ALIASES: dict[str, str] = {
    "未开始": "not_started", "未实施": "not_started", "进行中": "in_progress", "实施中": "in_progress",
    "正在进行": "in_progress", "已完成": "done", "完成": "done", "已实施": "done",
}
"""Other ways departments write the statuses (the names in :data:`ACQUISITION_STATUSES` are read too)."""

DEMOLITION_ALIASES: dict[str, str] = {**STATUS_ALIASES, "无需": "not_needed", "不涉及": "not_needed",
                                      "不涉及拆迁": "not_needed", "无拆迁": "not_needed"}

AVAILABILITIES: dict[str, Text] = {
    "open": Text("可供应", "open"),
    "reserved": Text("已预留", "reserved"),
    "transferred": Text("已出让", "transferred"),
}
"""Whether a parcel is on offer (open), held for an investor in negotiation (reserved) or gone (transferred)."""

WATER_SOURCE_TIERS: dict[int, Text] = {
    1: Text("一级保护区", "tier 1 zone"),
    2: Text("二级保护区", "tier 2 zone"),
}
"""Tiers of a drinking-water source protection zone (饮用水水源保护区, 《水污染防治法》第六十三条). The
quasi-protection zone (准保护区) has no rule here, so it is refused rather than read as either tier."""

WATER_SOURCE_TIER_ALIASES: dict[str, int] = {
    "一级": 1, "一级区": 1, "Ⅰ级": 1, "I": 1, "tier_1": 1,
    "二级": 2, "二级区": 2, "Ⅱ级": 2, "II": 2, "tier_2": 2,
}

FLOOD_RISK_LEVELS: dict[str, Text] = {
    "high": Text("高风险", "high"),
    "medium": Text("中风险", "medium"),
    "low": Text("低风险", "low"),
}
FLOOD_RISK_ALIASES: dict[str, str] = {"高": "high", "中": "medium", "低": "low"}

RED_LINE_CATEGORIES: dict[str, Text] = {
    # 《生态保护红线划定指南》(环办生态〔2017〕48号): the functions that are extremely important and the
    # environments that are extremely sensitive.
    "水源涵养": Text("水源涵养", "water conservation"),
    "生物多样性维护": Text("生物多样性维护", "biodiversity maintenance"),
    "水土保持": Text("水土保持", "soil and water conservation"),
    "防风固沙": Text("防风固沙", "windbreak and sand fixation"),
    "海岸生态稳定": Text("海岸生态稳定", "coastal ecological stability"),
    "水土流失": Text("水土流失", "soil erosion"),
    "土地沙化": Text("土地沙化", "desertification"),
    "石漠化": Text("石漠化", "rocky desertification"),
    "盐渍化": Text("盐渍化", "salinisation"),
}
"""Type of an ecological protection red-line area (生态保护红线类型)."""

SOIL_WATER_ZONE_TYPES: dict[str, Text] = {
    "重点预防区": Text("水土流失重点预防区", "key prevention zone"),
    "重点治理区": Text("水土流失重点治理区", "key treatment zone"),
}
"""Soil and water conservation zones (《水土保持法》第十二条: 重点预防区和重点治理区)."""


class AttributeType(StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    CODE = "code"  # one of a fixed list of values
    LAND_USE_CODE = "land_use_code"  # a class of the territorial spatial planning classification


_INVALID = object()
"""What :meth:`Attribute.normalise` gives for a value it cannot read."""


def _spelling(value: str) -> str:
    """A spelling with case, surrounding space and inner ``_``/``-``/space runs made alike."""
    return re.sub(r"[\s_\-]+", "_", value.strip()).casefold()


@dataclass(frozen=True)
class Attribute:
    """One attribute a layer kind's rules read, with its type and allowed values.

    ``values`` (for ``CODE``) are the canonical values with their names; a value is also read from its
    Chinese or English name, from any of ``aliases``, in any case and spacing. Numbers may be bounded by
    ``minimum`` and ``maximum`` (inclusive). A ``required`` attribute must have a value on every feature.
    """

    name: str
    label: Text
    type: AttributeType
    values: Mapping[Any, Text] = field(default_factory=dict)
    aliases: Mapping[str, Any] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False

    @cached_property
    def _spellings(self) -> dict[str, Any]:
        spellings: dict[str, Any] = {}
        for value, names in self.values.items():
            for spelling in (names.en, names.zh, str(value)):
                spellings[_spelling(spelling)] = value
        spellings.update({_spelling(alias): value for alias, value in self.aliases.items()})
        return spellings

    @property
    def arrow_type(self) -> pa.DataType:
        """The type of a normalised column."""
        if self.type is AttributeType.CODE:
            return pa.int64() if all(isinstance(value, int) for value in self.values) else pa.string()
        return {AttributeType.INTEGER: pa.int64(), AttributeType.NUMBER: pa.float64()}.get(self.type, pa.string())

    def normalise(self, value: Any) -> Any:
        """The canonical form of a non-null ``value``, or ``_INVALID``."""
        if isinstance(value, bool):
            return _INVALID
        if self.type is AttributeType.CODE:
            number = _number(value)
            if number is not None and number.is_integer():
                value = int(number)  # 1.0 and "1.0" (a number column written as text) are 1
            if not isinstance(value, int | str):
                return _INVALID
            return self._spellings.get(_spelling(str(value)), _INVALID)
        if self.type is AttributeType.LAND_USE_CODE:
            return _land_use_code(value)
        number = _number(value)
        if number is None or (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum):
            return _INVALID
        if self.type is AttributeType.INTEGER:
            return int(number) if number.is_integer() else _INVALID
        return value if isinstance(value, int | float) else number

    def canonical(self, value: Any) -> Any:
        """The canonical form of ``value``; ValueError naming the allowed values when it cannot be read."""
        result = self.normalise(value)
        if result is _INVALID:
            raise ValueError(Message("attribute.not_allowed_as", name=self.name, value=value, allowed=self.allowed()))
        return result

    def allowed(self) -> Message:
        """The allowed values in words, for messages."""
        if self.type is AttributeType.CODE:
            return Message("attribute.one_of", values=[
                Text(f"'{value}'" if names.zh == value else f"'{value}'（{names.zh}）",
                     f"'{value}' ({names.en if names.zh == value else f'{names.zh}, {names.en}'})")
                for value, names in self.values.items()])
        if self.type is AttributeType.LAND_USE_CODE:
            return Message("attribute.land_use")
        kind = Message("attribute.integer" if self.type is AttributeType.INTEGER else "attribute.number")
        if self.minimum is not None and self.maximum is not None:
            return Message("attribute.between", kind=kind, minimum=self.minimum, maximum=self.maximum)
        if self.minimum is not None:
            return Message("attribute.at_least", kind=kind, minimum=self.minimum)
        return kind

    def as_dict(self) -> dict[str, Any]:
        """The schema as published by ``GET /api/v1/layer-kinds``."""
        values = self.values
        if self.type is AttributeType.LAND_USE_CODE:
            values = {code: Text(*names) for code, names in {**FIRST_LEVEL_CLASSES, **SECOND_LEVEL_CLASSES}.items()}
        return {
            "name": self.name,
            "label": {"zh": self.label.zh, "en": self.label.en},
            "type": self.type.value,
            "required": self.required,
            "values": [{"value": value, "zh": names.zh, "en": names.en} for value, names in values.items()],
            "aliases": dict(self.aliases),
            "minimum": self.minimum,
            "maximum": self.maximum,
            "allowed": str(self.allowed()),
        }


def _number(value: Any) -> float | None:
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


_CLASS_BY_NAME: dict[str, str] = {
    _spelling(name): code
    for code, names in {**FIRST_LEVEL_CLASSES, **SECOND_LEVEL_CLASSES}.items()
    for name in names
}


def _land_use_code(value: Any) -> Any:
    """A land-use code as the classification writes it: ``701`` (a number column lost the zero) is ``0701``,
    ``城镇住宅用地`` is ``0701``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return _INVALID
    text = value.strip()
    code = text.zfill(2 if len(text) <= 2 else 4) if text.isdigit() else _CLASS_BY_NAME.get(_spelling(text), text)
    return code if is_known_class(code) else _INVALID


@dataclass
class AttributeIssue:
    """One refused value: the feature (None when no feature has the attribute), the attribute and the value."""

    index: int | None
    attribute: Attribute
    value: Any

    def reason(self) -> Message:
        if self.index is None:
            return Message("attribute.absent", name=self.attribute.name)
        if self.value is None:
            return Message("attribute.missing", name=self.attribute.name)
        return Message("attribute.not_allowed", name=self.attribute.name, value=self.value)

    def sentence(self) -> Message:
        return self.reason() if self.index is None else \
            Message("attribute.of_feature", index=self.index, reason=self.reason())

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "attribute": self.attribute.name, "value": _plain(self.value),
                "reason": self.reason(), "allowed": self.attribute.allowed()}


@dataclass
class Normalisation:
    """Values of one spelling rewritten to their canonical form: how many, and the first features."""

    attribute: str
    value: Any
    normalised: Any
    count: int
    features: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "value": _plain(self.value), "normalised": self.normalised,
                "count": self.count, "features": self.features}


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float) else str(value)


phrases(
    "attribute",
    one_of=Text("以下之一：{values}", "one of {values}"),
    land_use=Text("国土空间规划用地分类中的一类（一级类代码如07，二级类代码如0701，或其中文名称）",
                  "a class of the territorial spatial planning classification (a first-level code such as 07 or "
                  "a second-level code such as 0701, or its Chinese name)"),
    integer=Text("整数", "an integer"),
    number=Text("数值", "a number"),
    between=Text("{minimum:g}至{maximum:g}之间的{kind}", "{kind} from {minimum:g} to {maximum:g}"),
    at_least=Text("不小于{minimum:g}的{kind}", "{kind} of at least {minimum:g}"),
    absent=Text("没有任何要素含有必填属性“{name}”", "no feature has the attribute {name!r}, which is required"),
    missing=Text("缺少必填属性{name}", "{name} is missing, which is required"),
    not_allowed=Text("{name} = {value!r} 不是允许的取值", "{name} = {value!r} is not allowed"),
    not_allowed_as=Text("{name} = {value!r} 不是允许的取值：{name}应为{allowed}",
                        "{name} = {value!r} is not allowed: {name} is {allowed}"),
    of_feature=Text("第{index}个要素：{reason}", "feature {index}: {reason}"),
    with_allowed=Text("{sentence}（允许：{allowed}）", "{sentence} (allowed: {allowed})"),
    more=Text("；另有{count}处", "; and {count} more"),
    rejected=Text("{source}中有{count}个属性值无法被图层类型“{kind}”的规则读取，因此未导入任何内容：{shown}{more}。"
                  "请在源数据中修正；GET /api/v1/layer-kinds 列出各类型的属性及其允许取值。",
                  "{count} attribute value(s) of {source} cannot be read by the rules of layer kind {kind!r}, so "
                  "nothing was imported: {shown}{more}. Fix them in the source; GET /api/v1/layer-kinds lists each "
                  "kind's attributes and their allowed values."),
)


class AttributeRejectedError(SpatialInputError):
    """Some attribute values are not readable by the layer kind's rules; nothing was written."""

    def __init__(self, issues: list[AttributeIssue], count: int, source: str, kind: str) -> None:
        shown = [Message("attribute.with_allowed", sentence=issue.sentence(), allowed=issue.attribute.allowed())
                 for issue in issues[:10]]
        more = Message("attribute.more", count=count - 10) if count > 10 else ""
        super().__init__(
            "invalid-attributes",
            Message("attribute.rejected", count=count, source=source, kind=kind, shown=Clauses(shown), more=more),
            extra={"issues": [issue.to_dict() for issue in issues[:MAX_LISTED_ISSUES]], "issue_count": count},
        )


def check_attributes(
    layer_file: LayerFile, attributes: tuple[Attribute, ...], kind: str
) -> tuple[LayerFile, list[Normalisation]]:
    """``layer_file`` with the declared attributes normalised, and what was normalised.

    Raises :class:`AttributeRejectedError` listing every feature whose value cannot be read (and every
    feature without a required attribute).
    """
    table = layer_file.table
    issues: list[AttributeIssue] = []
    count = 0
    normalised: list[Normalisation] = []
    for attribute in attributes:
        if attribute.name not in layer_file.attribute_names:
            if attribute.required:
                issues.append(AttributeIssue(None, attribute, None))
                count += 1
            continue
        position = table.column_names.index(attribute.name)
        checked = _check_column(table.column(position), attribute)
        count += len(checked.refused)
        issues += [AttributeIssue(int(index), attribute, value)
                   for index, value in zip(checked.refused[:MAX_LISTED_ISSUES], checked.refused_values, strict=True)]
        normalised += checked.changes
        if checked.rewritten is not None:
            table = table.set_column(position, attribute.name, checked.rewritten)
    if issues:
        issues.sort(key=lambda issue: -1 if issue.index is None else issue.index)
        raise AttributeRejectedError(issues, count, layer_file.name, kind)
    return (layer_file if table is layer_file.table else replace(layer_file, table=table)), normalised


@dataclass
class _Checked:
    """One column checked: the indexes of its refused values (and the first values), or its normalised form."""

    refused: np.ndarray
    refused_values: list[Any] = field(default_factory=list)
    rewritten: pa.ChunkedArray | None = None
    changes: list[Normalisation] = field(default_factory=list)


def _check_column(column: pa.ChunkedArray, attribute: Attribute) -> _Checked:
    missing = _mask(pc.is_null(column)) if attribute.required else np.zeros(len(column), bool)
    if attribute.type in (AttributeType.INTEGER, AttributeType.NUMBER) and (
            pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        refused = np.flatnonzero(_out_of_range(column, attribute) | missing)
        return _Checked(refused, column.take(pa.array(refused[:MAX_LISTED_ISSUES], pa.int64())).to_pylist())

    # GDAL gives a GeoJSON property of mixed types as JSON text (numbers and lists as JSON, text as it is).
    as_json = isinstance(column.type, pa.JsonType)
    if as_json:
        column = pa.chunked_array([chunk.storage for chunk in column.chunks], pa.string())
    counted = pc.value_counts(column)
    distinct = counted.field("values")
    originals = [_json_value(value) if as_json and value is not None else value for value in distinct.to_pylist()]
    canonical = [None if value is None else attribute.normalise(value) for value in originals]
    positions = pc.index_in(column, value_set=distinct).to_numpy(zero_copy_only=False)
    refused = [k for k, result in enumerate(canonical) if result is _INVALID]
    if refused or missing.any():
        at = np.flatnonzero(missing | np.isin(positions, refused))
        values = [None if np.isnan(positions[index]) else originals[int(positions[index])]
                  for index in at[:MAX_LISTED_ISSUES]]
        return _Checked(at, values)
    changed = [k for k, (value, result) in enumerate(zip(originals, canonical, strict=True))
               if value is not None and (type(value) is not type(result) or value != result)]
    if not changed and not as_json:
        return _Checked(np.zeros(0, np.int64))
    rewritten = pc.take(pa.array(canonical, attribute.arrow_type), pc.index_in(column, value_set=distinct))
    counts = counted.field("counts").to_pylist()
    changes = [Normalisation(attribute.name, originals[k], canonical[k], int(counts[k]),
                             [int(index) for index in np.flatnonzero(positions == k)[:MAX_LISTED_FEATURES]])
               for k in changed]
    return _Checked(np.zeros(0, np.int64), rewritten=rewritten, changes=changes)


def _json_value(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _out_of_range(column: pa.ChunkedArray, attribute: Attribute) -> np.ndarray:
    """Where a numeric column's values are not allowed (nulls are allowed here)."""
    values = pc.fill_null(pc.cast(column, pa.float64()), 0.0).to_numpy()
    bad = ~np.isfinite(values)
    if attribute.type is AttributeType.INTEGER:
        bad |= values != np.round(values)
    if attribute.minimum is not None:
        bad |= values < attribute.minimum
    if attribute.maximum is not None:
        bad |= values > attribute.maximum
    return bad & _mask(pc.is_valid(column))


def _mask(flags: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow result without nulls as a numpy array."""
    return np.asarray(flags.to_numpy(zero_copy_only=False), dtype=bool)
