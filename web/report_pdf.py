"""The printable report of a proposal (冲突检测报告 / 策划生成意见汇总) as a PDF, drawn with ReportLab.

It is built from the proposal's detail exactly as ``GET /api/v1/proposals/{id}`` serves it to the same
caller (so it hides what the API hides), in that caller's language: the project facts, a map of the
current site and its conflict overlaps drawn as vector paths from the detail's GeoJSON (WGS84 lon/lat,
projected here onto a local plane with true ground proportions; never a screenshot), the conflict table
with overlap areas in m², 亩 and % of the site, each planning layer's version and status, the departments'
opinions, the NDRC's decisions and code, and signature boxes.

Chinese text needs an embedded CJK font: WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei``, which
``scripts/bootstrap`` installs (``BLUEPRINT_REPORT_FONT`` names another TrueType file or collection).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.graphics.shapes import Path as VectorPath
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gis.area import M2_PER_MU
from gis.messages import Message, Text, one_language, phrases
from web.i18n import labels
from web.legend import PROPOSAL_SYMBOLS

FONT_PATHS = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
              Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"))
FONT_NAME = "BlueprintCJK"
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
PAGE_WIDTH = A4[0] - 30 * mm
MAP_HEIGHT = 95 * mm
EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius: the map's local plane is only for drawing; every area printed comes from the API."""


class ReportFontMissingError(RuntimeError):
    """No CJK font to embed: the report cannot print Chinese."""


phrases("report", font_missing=Text(
    "PDF报告缺少中文字体：请安装Debian的fonts-wqy-microhei（scripts/bootstrap会安装），或将BLUEPRINT_REPORT_FONT设为TrueType字体文件",
    "no CJK font for the PDF report: install Debian's fonts-wqy-microhei (scripts/bootstrap does) or set "
    "BLUEPRINT_REPORT_FONT to a TrueType font file"))


@cache
def _font() -> str:
    configured = os.environ.get("BLUEPRINT_REPORT_FONT")
    candidates = [Path(configured)] if configured else list(FONT_PATHS)
    for path in candidates:
        if path.is_file():
            # subfontIndex picks the first face of a TrueType collection (.ttc)
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            return FONT_NAME
    raise ReportFontMissingError(Message("report.font_missing"))


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=22, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=16, alignment=TA_CENTER),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=15, spaceBefore=7, spaceAfter=3,
                                  keepWithNext=1),
    }


def _number(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def _areas(m2: float) -> str:
    """An area as planners read it: m², 亩 and 公顷."""
    return f"{_number(m2)} m² · {_number(m2 / M2_PER_MU)} 亩 · {_number(m2 / 10_000, 4)} ha"


def _colour(css: str, alpha: float = 1.0) -> colors.Color:
    colour = colors.HexColor(css)
    return colors.Color(colour.red, colour.green, colour.blue, alpha=alpha)


# ---- the map: GeoJSON polygons as vector paths ---------------------------------------------------------


def _rings(geometry: dict[str, Any] | None) -> Iterator[list[list[tuple[float, float]]]]:
    """The polygons of a GeoJSON (Multi)Polygon or GeometryCollection, each as its rings."""
    if not geometry:
        return
    kind = geometry.get("type")
    if kind == "Polygon":
        yield [[(x, y) for x, y, *_ in ring] for ring in geometry["coordinates"]]
    elif kind == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield [[(x, y) for x, y, *_ in ring] for ring in polygon]
    elif kind == "GeometryCollection":
        for part in geometry["geometries"]:
            yield from _rings(part)


class _Frame:
    """Lon/lat → drawing points: an equirectangular plane at the site's latitude (true shape for a site's
    few kilometres), fitted into the map box with a margin."""

    def __init__(self, points: Iterable[tuple[float, float]], width: float, height: float) -> None:
        xs, ys = zip(*points, strict=True)
        self.lat0 = math.radians((min(ys) + max(ys)) / 2)
        self.west, self.south = min(xs), min(ys)
        span_x = max((max(xs) - self.west) * math.cos(self.lat0), 1e-7)
        span_y = max(max(ys) - self.south, 1e-7)
        self.scale = min(width * 0.86 / span_x, height * 0.86 / span_y)  # points per degree of latitude
        self.dx = (width - span_x * self.scale) / 2
        self.dy = (height - span_y * self.scale) / 2

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (self.dx + (lon - self.west) * math.cos(self.lat0) * self.scale,
                self.dy + (lat - self.south) * self.scale)

    def metres_per_point(self) -> float:
        return math.radians(1) * EARTH_RADIUS_M / self.scale


def _path(frame: _Frame, polygon: list[list[tuple[float, float]]], symbol_key: str, *,
          dashed: bool = False) -> VectorPath:
    _, symbol = PROPOSAL_SYMBOLS[symbol_key]
    path = VectorPath(fillMode=0)  # even-odd: holes stay open
    for ring in polygon:
        for index, (lon, lat) in enumerate(ring):
            x, y = frame(lon, lat)
            if index == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        path.closePath()
    path.strokeColor = _colour(symbol.stroke or symbol.colour)
    path.strokeWidth = max(symbol.weight * 0.5, 0.4)
    path.fillColor = _colour(symbol.colour, symbol.fill_opacity) if symbol.fill else None
    if dashed or symbol.dash:
        path.strokeDashArray = [3, 2]
    return path


def _scale_bar(frame: _Frame, drawing: Drawing, t: dict[str, str]) -> None:
    target = frame.metres_per_point() * 60  # about 60 points long
    step = 10 ** math.floor(math.log10(target))
    metres = next(m * step for m in (5, 2, 1) if m * step <= target)
    length = metres / frame.metres_per_point()
    x, y = 8, 8
    drawing.add(Line(x, y, x + length, y, strokeColor=colors.black, strokeWidth=1.2))
    for tick in (x, x + length):
        drawing.add(Line(tick, y - 2, tick, y + 3, strokeColor=colors.black, strokeWidth=1))
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    drawing.add(String(x, y + 5, f"{t['report.scale']} {label}", fontName=_font(), fontSize=7))
    north_x, north_y = drawing.width - 16, drawing.height - 24
    drawing.add(Line(north_x, north_y, north_x, north_y + 14, strokeColor=colors.black, strokeWidth=1.2))
    drawing.add(String(north_x - 3, north_y + 16, t["report.north"], fontName=_font(), fontSize=7))


def _site_map(detail: dict[str, Any], t: dict[str, str], language: str) -> Drawing:
    """The current site, earlier revisions (dashed) and every conflict overlap, with a legend."""
    drawing = Drawing(PAGE_WIDTH, MAP_HEIGHT)
    drawing.add(Rect(0, 0, PAGE_WIDTH, MAP_HEIGHT, strokeColor=colors.grey, fillColor=None, strokeWidth=0.5))
    current = next((r for r in detail["revisions"] if r["is_current"]), None)
    conflicts = (detail.get("screening") or {}).get("conflicts", [])
    legend_width = 62 * mm
    map_width = PAGE_WIDTH - legend_width
    site_polygons = list(_rings(current["geometry"])) if current else []
    points = [point for polygon in site_polygons for ring in polygon for point in ring]
    if points:
        frame = _Frame(points, map_width, MAP_HEIGHT)
        for revision in detail["revisions"]:
            if not revision["is_current"]:
                for polygon in _rings(revision["geometry"]):
                    drawing.add(_path(frame, polygon, "site.earlier", dashed=True))
        site_key = "site.approved" if detail.get("project_code") else f"site.{_site_status(detail)}"
        for polygon in site_polygons:
            drawing.add(_path(frame, polygon, site_key))
        rank = {"info": 0, "needs_review": 1, "blocking": 2}
        for conflict in sorted(conflicts, key=lambda c: rank.get(c["severity"], 0)):  # worst on top
            for polygon in _rings(conflict.get("geometry")):
                drawing.add(_path(frame, polygon, f"conflict.{conflict['severity']}"))
        _scale_bar(frame, drawing, t)
    legend = [key for key in PROPOSAL_SYMBOLS if key.startswith("conflict.") or key == "site.earlier"]
    legend.insert(0, "site.approved" if detail.get("project_code") else f"site.{_site_status(detail)}")
    x, y = map_width + 6, MAP_HEIGHT - 16
    drawing.add(Line(map_width, 0, map_width, MAP_HEIGHT, strokeColor=colors.lightgrey, strokeWidth=0.5))
    for key in legend:
        label, symbol = PROPOSAL_SYMBOLS[key]
        drawing.add(Rect(x, y, 14, 9, strokeColor=_colour(symbol.stroke or symbol.colour),
                         fillColor=_colour(symbol.colour, symbol.fill_opacity) if symbol.fill else None,
                         strokeWidth=0.8, strokeDashArray=[2, 1.5] if symbol.dash else None))
        drawing.add(String(x + 19, y + 1.5, label.in_language(language), fontName=_font(), fontSize=7.5))
        y -= 15
    return drawing


def _site_status(detail: dict[str, Any]) -> str:
    summary = (detail.get("screening") or {}).get("summary") or {}
    if summary.get("blocking_count"):
        return "blocking"
    return "needs_review" if summary.get("needs_review_count") else "clear"


# ---- tables ---------------------------------------------------------------------------------------------


def _table(rows: list[list[Any]], widths: list[float], *, header: bool = True,
           row_height: float | None = None) -> Table:
    heights = [None] + [row_height] * (len(rows) - 1) if row_height else None
    table = Table(rows, colWidths=widths, rowHeights=heights, repeatRows=1 if header else 0)
    style = [("FONTNAME", (0, 0), (-1, -1), _font()), ("FONTSIZE", (0, 0), (-1, -1), 8),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3eaf2")))
    table.setStyle(TableStyle(style))
    return table


def _cell(text: Any, styles: dict[str, ParagraphStyle], style: str = "small") -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), styles[style])


def _facts(detail: dict[str, Any], t: dict[str, str], district: str | None,
           styles: dict[str, ParagraphStyle]) -> Table:
    current = next((r for r in detail["revisions"] if r["is_current"]), {})
    screening = detail.get("screening") or {}
    land_use = detail["land_use"]
    facts = [
        (t["proposal.name"], detail["name"]),
        (t["proposal.applicant"], detail["applicant_organisation"]),
        (t["report.credit_code"], detail["credit_code"]),
        (t["report.district"], f"{district or ''} {detail['district_code']}".strip()),
        (t["report.project_type"], f"{detail['project_type']} {t.get('type.' + detail['project_type'], '')}"),
        (t["report.land_use"], f"{land_use} {t.get('landuse.' + land_use[:2], '')}"),
        (t["report.industry"], detail["industry"]),
        (t["report.investment"], f"{_number(detail['total_investment_wan'])} {t['report.wan']}"),
        (t["report.category"], t.get("category." + detail["investment_category"], detail["investment_category"])),
        (t["proposal.state"], t.get("state." + detail["state"], detail["state"])),
        (t["proposal.code"], detail.get("project_code") or "—"),
        (t["proposal.area"], f"{_areas(current.get('area_m2', 0))} "
                             f"({t['proposal.revision'].replace('{n}', str(current.get('revision', '')))})"),
        (t["report.source_crs"], current.get("source_crs", "")),
        (t["report.screening"], screening.get("screening_id") or current.get("screening_id") or "—"),
    ]
    half = (len(facts) + 1) // 2
    rows = []
    for index in range(half):
        left = facts[index]
        right = facts[half + index] if half + index < len(facts) else ("", "")
        rows.append([_cell(left[0], styles), _cell(left[1], styles), _cell(right[0], styles), _cell(right[1], styles)])
    widths = [PAGE_WIDTH * w for w in (0.14, 0.36, 0.14, 0.36)]
    return _table(rows, widths, header=False)


def _conflict_name(conflict: dict[str, Any], t: dict[str, str], language: str) -> str:
    if conflict["layer_kind"] == "project_site":
        return conflict["layer_name"] or t["conflict.other_project"]
    return one_language(conflict["layer_name"], language) if conflict["layer_name"] else \
        t.get("kind." + conflict["layer_kind"], conflict["layer_kind"])


def _conflicts(detail: dict[str, Any], t: dict[str, str], language: str,
               styles: dict[str, ParagraphStyle]) -> list[Any]:
    conflicts = (detail.get("screening") or {}).get("conflicts", [])
    if not conflicts:
        return [_cell(t["conflict.none"], styles, "body")]
    rows: list[list[Any]] = [[_cell(h, styles) for h in (
        t["proposal.conflicts"], t["conflict.layer"], t["conflict.rule"], t["conflict.department"], "m²", "亩",
        f"% {t['report.percent']}")]]
    for conflict in conflicts:
        overlap = conflict["overlap"]
        rows.append([
            _cell(t["severity." + conflict["severity"]], styles), _cell(_conflict_name(conflict, t, language), styles),
            _cell(conflict["message"][language], styles), _cell(conflict["department_name"][language], styles),
            _number(overlap["m2"]), _number(overlap["mu"]), _number(overlap["percent_of_site"]),
        ])
    widths = [PAGE_WIDTH * w for w in (0.11, 0.2, 0.29, 0.14, 0.1, 0.08, 0.08)]
    table = _table(rows, widths)
    table.setStyle(TableStyle([("ALIGN", (4, 1), (-1, -1), "RIGHT")]))
    return [table]


def _layers(detail: dict[str, Any], t: dict[str, str], language: str,
            styles: dict[str, ParagraphStyle]) -> list[Any]:
    screening = detail.get("screening") or {}
    status = screening.get("layer_status") or []
    rows: list[list[Any]] = [[_cell(h, styles) for h in (
        t["report.layer_kind"], t["conflict.layer"], t["legend.version"], t["proposal.state"], t["report.findings"],
        t["report.slivers"])]]
    for entry in status:
        layer_name = one_language(entry.get("layer_name") or "—", language)
        rows.append([_cell(entry["kind_name"][language], styles), _cell(layer_name, styles),
                     entry.get("layer_version") or "—",
                     _cell(t.get("layer_status." + entry["status"], entry["status"]), styles),
                     entry.get("findings", 0), entry.get("ignored_slivers", 0)])
    widths = [PAGE_WIDTH * w for w in (0.2, 0.3, 0.08, 0.2, 0.08, 0.14)]
    return [_table(rows, widths)] if status else [_cell("—", styles, "body")]


def _opinions(detail: dict[str, Any], t: dict[str, str], styles: dict[str, ParagraphStyle]) -> list[Any]:
    review = detail["review"]
    rows: list[list[Any]] = [[_cell(h, styles) for h in (
        t["conflict.department"], t["field.verdict"], t["field.conditions"] + " / " + t["field.reason"],
        t["report.revision"], t["report.author"], t["report.given"])]]
    for opinion in review["opinions"]:
        words = "\n".join([*opinion["conditions"], opinion["reason"] or ""]).strip()
        if opinion.get("marking_ids"):
            words += f"\n{t['opinion.cites']}: " + ", ".join(f"#{i}" for i in opinion["marking_ids"])
        verdict = t["verdict." + opinion["verdict"]]
        rows.append([_cell(t["department." + opinion["department"]], styles),
                     _cell(verdict if opinion["stands"] else f"{verdict}（{t['opinions.superseded']}）", styles),
                     _cell(words, styles), opinion["revision"], _cell(opinion["author"], styles),
                     _cell(_local_time(opinion["created_at"]), styles)])
    for waiting in review["outstanding"]:
        rows.append([_cell(t["department." + waiting["department"]], styles), _cell(t["proposal.outstanding"], styles),
                     _cell(t["queue.waiting"].replace("{days}", str(waiting["waiting_days"])), styles), "", "", ""])
    widths = [PAGE_WIDTH * w for w in (0.18, 0.14, 0.36, 0.06, 0.12, 0.14)]
    return [_table(rows, widths)] if len(rows) > 1 else [_cell(t["opinions.none"], styles, "body")]


def _decisions(detail: dict[str, Any], t: dict[str, str], styles: dict[str, ParagraphStyle]) -> list[Any]:
    if not detail["decisions"]:
        return [_cell(t["decision.none"], styles, "body")]
    rows: list[list[Any]] = [[_cell(h, styles) for h in (
        t["decision.title"], t["decision.reason"], t["proposal.code"], t["report.author"], t["report.given"])]]
    for decision in detail["decisions"]:
        rows.append([_cell(t["decision." + decision["action"]], styles), _cell(decision["reason"] or "", styles),
                     _cell(decision["project_code"] or "", styles), _cell(decision["actor"], styles),
                     _cell(_local_time(decision["at"]), styles)])
    widths = [PAGE_WIDTH * w for w in (0.15, 0.33, 0.24, 0.14, 0.14)]
    return [_table(rows, widths)]


def _signatures(detail: dict[str, Any], t: dict[str, str], styles: dict[str, ParagraphStyle]) -> Table:
    departments = [*detail["review"]["required"], "ndrc"]
    rows = [[_cell(h, styles) for h in (t["conflict.department"], t["report.signature"], t["report.date"])]]
    rows += [[_cell(t["department." + department], styles), "", ""] for department in departments]
    return _table(rows, [PAGE_WIDTH * w for w in (0.3, 0.45, 0.25)], row_height=28)


def _local_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def proposal_report(detail: dict[str, Any], language: str, *, district: str | None = None,
                    now: datetime | None = None) -> bytes:
    """The report of one proposal as PDF bytes (A4), in ``language`` (zh or en)."""
    t = labels(language)
    styles = _styles()
    buffer = io.BytesIO()
    title = f"{t['report.title']} / {t['report.subtitle']}"
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=14 * mm, bottomMargin=14 * mm, title=f"{title} · {detail['name']}",
                                 author=t["app.title"], lang="zh-CN" if language == "zh" else "en")
    generated = (now or datetime.now(BEIJING)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")

    def heading(key: str) -> Paragraph:
        return Paragraph(escape(t[key]), styles["heading"])

    story: list[Any] = [
        Paragraph(escape(t["report.title"]), styles["title"]),
        Paragraph(escape(t["report.subtitle"]), styles["subtitle"]),
        Spacer(1, 2 * mm),
        Paragraph(escape(f"{t['report.generated']}: {generated} (UTC+8) · {t['app.title']} · {t['app.subtitle']}"),
                  styles["small"]),
        heading("report.facts"), _facts(detail, t, district, styles),
        KeepTogether([heading("report.map"), _site_map(detail, t, language)]),
        heading("report.conflicts"), *_conflicts(detail, t, language, styles),
        heading("report.layers"), *_layers(detail, t, language, styles),
        heading("report.opinions"), *_opinions(detail, t, styles),
        heading("decision.title"), *_decisions(detail, t, styles),
        KeepTogether([heading("report.signatures"), _signatures(detail, t, styles)]),
    ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 7)
        canvas.drawString(15 * mm, 8 * mm, f"{detail['name']} · {title}")
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
