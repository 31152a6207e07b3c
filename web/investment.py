"""The investment page (招商地块): parcels open for investment on a map, for the public.

Parcels are coloured by demolition or acquisition status (switchable, with a legend), filtered with the
same parameters as ``GET /api/v1/parcels`` and listed beside the map; a popup shows every public attribute
and the planning constraints in plain words, and an investor can register interest. The page's script
(``/static/js/investment.js``) reads everything from the public parcel API; this module only builds the
frame on the shared page infrastructure (:mod:`web.pages`), with the current planning layers under the
parcels (vector tiles per layer, toggled in the layer panel). Chinese by default, English with ``?lang=en``;
every asset is served by the app.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gis.db import get_engine
from layers.catalogue import Text
from projects.parcels import PARCEL_FIELDS, STATUS_VALUES, parcel_map_context
from web import maps
from web.assets import PAGE_CSS, static_url
from web.i18n import labels, language_of
from web.pages import Language, render_page

router = APIRouter(include_in_schema=False)

STATUS_COLOURS: dict[str, dict[str, str]] = {
    "demolition_status": {"not_started": "#c0392b", "in_progress": "#f39c12", "done": "#27ae60",
                          "not_needed": "#2e86c1"},
    "acquisition_status": {"not_started": "#c0392b", "in_progress": "#f39c12", "done": "#27ae60"},
}
"""Fill colour of a parcel by status: red still to do, amber under way, green done, blue nothing to do."""
UNKNOWN_COLOUR = "#95a5a6"

SORT_CHOICES: tuple[tuple[str, Text], ...] = (
    ("parcel_code", Text("地块编号", "parcel code")),
    ("-area_m2", Text("面积从大到小", "largest first")),
    ("area_m2", Text("面积从小到大", "smallest first")),
    ("-acquisition_status,-acquisition_percent", Text("征地进度（快者优先）", "acquisition furthest first")),
    ("-demolition_status", Text("拆迁进度（快者优先）", "demolition furthest first")),
    ("households_remaining", Text("待拆迁户数从少到多", "fewest households to move first")),
    ("-far_max", Text("容积率上限从高到低", "highest floor-area ratio first")),
)
"""The sort orders the page offers (values of the API's ``sort``)."""

LABELS: dict[str, Text] = {
    "inv.title": Text("招商地块", "Parcels open for investment"),
    "inv.intro": Text("厦门市公开招商地块的用地性质、面积及征地拆迁进度。",
                      "Xiamen's parcels on offer: planned land use, area, land acquisition and demolition."),
    "inv.colour_by": Text("着色依据", "Colour by"),
    "inv.legend": Text("图例", "Legend"),
    "inv.legend.reserved": Text("已预留：虚线边框", "reserved: dashed outline"),
    "inv.legend.transferred": Text("已出让：浅色", "transferred: faded"),
    "inv.legend.unknown": Text("状态不明", "status unknown"),
    "inv.filters": Text("筛选", "Filters"),
    "inv.any": Text("全部", "any"),
    "inv.area_min": Text("最小面积（平方米）", "Min. area (m²)"),
    "inv.area_max": Text("最大面积（平方米）", "Max. area (m²)"),
    "inv.sort": Text("排序", "Sort by"),
    "inv.apply": Text("查询", "Apply"),
    "inv.reset": Text("重置", "Reset"),
    "inv.export": Text("导出", "Export"),
    "inv.list": Text("地块列表", "Parcels"),
    "inv.count": Text("共 {n} 宗地块", "{n} parcels"),
    "inv.none": Text("没有符合条件的地块", "No parcel matches the filters"),
    "inv.loading": Text("正在加载……", "Loading…"),
    "inv.constraints": Text("规划约束", "Planning constraints"),
    "inv.constraints.none": Text("未发现限制该地块的规划图层", "No planning layer restricts this parcel"),
    "inv.constraints.unchecked": Text("以下图层尚未导入，未能核查：", "Not checked (layer not loaded): "),
    "inv.ask": Text("咨询", "ask"),
    "inv.households": Text("户", "households"),
    "inv.buildings": Text("栋", "buildings"),
    "inv.interest": Text("登记投资意向", "Register interest"),
    "inv.interest.parcel": Text("地块", "Parcel"),
    "inv.interest.organisation": Text("企业或机构名称", "Organisation"),
    "inv.interest.contact_name": Text("联系人", "Contact name"),
    "inv.interest.phone": Text("联系电话（手机或座机）", "Phone (mobile or landline)"),
    "inv.interest.email": Text("电子邮箱", "Email"),
    "inv.interest.contact_hint": Text("电话与邮箱至少填写一项", "Give a phone number, an email, or both"),
    "inv.interest.intended_use": Text("拟投资项目及用途", "Intended project and use"),
    "inv.interest.submit": Text("提交", "Submit"),
    "inv.interest.cancel": Text("取消", "Cancel"),
    "inv.interest.closed": Text("该地块已出让，不再接受意向登记", "This parcel has been transferred and takes no "
                                                                "more registrations"),
    "supply.挂牌出让": Text("挂牌出让", "listing (挂牌出让)"),
    "supply.招标出让": Text("招标出让", "tender (招标出让)"),
    "supply.拍卖出让": Text("拍卖出让", "auction (拍卖出让)"),
    "supply.划拨": Text("划拨", "allocation (划拨)"),
}
"""Labels of this page; field and status names come from :mod:`layers.parcels`, written once there."""


def page_labels(language: str) -> dict[str, str]:
    """The shared labels, this page's labels, and the parcel fields' and statuses' names."""
    table = labels(language)
    table.update({key: text.in_language(language) for key, text in LABELS.items()})
    table.update({f"field.{source.name}": source.label.in_language(language) for source in PARCEL_FIELDS})
    table.update({f"status.{name}.{value}": text.in_language(language)
                  for name, values in STATUS_VALUES.items() for value, text in values.items()})
    return table


@router.get("/investment", response_class=HTMLResponse)
def investment_page(request: Request, lang: Language = None) -> HTMLResponse:
    """招商地块: the parcels on a map coloured by demolition or acquisition status, filters, a linked list,
    popups with every public attribute and the planning constraints, and registration of interest."""
    language = language_of(lang)
    with get_engine().connect() as connection:
        context = parcel_map_context(connection)
    fmap = maps.base_map(context["extent"])
    layers = maps.add_planning_layers(fmap, context["planning_layers"], language)
    table = page_labels(language)
    english = language == "en"
    choices: dict[str, Any] = {
        "district": [(d["code"], f"{d['name'] or d['code']} ({d['parcels']})") for d in context["districts"]],
        "land_use": [(c["code"], f"{c['code']} {c['en'] if english else c['zh']} ({c['parcels']})")
                     for c in context["land_uses"]],
        **{name: [(value, text.in_language(language)) for value, text in values.items()]
           for name, values in STATUS_VALUES.items()},
    }
    return render_page(
        request, "investment.html", page="investment", language=language, fmap=fmap, layers=layers,
        title_key="app.title",
        config={
            "labels": table,
            "fields": [source.name for source in PARCEL_FIELDS],
            "statusValues": {name: list(values) for name, values in STATUS_VALUES.items()},
            "colours": STATUS_COLOURS,
            "unknownColour": UNKNOWN_COLOUR,
        },
        context={
            "t": table,
            "title": table["nav.investment"],
            "page_css": [*PAGE_CSS, static_url("css/investment.css")],
            "choices": choices,
            "sort_choices": [(value, text.in_language(language)) for value, text in SORT_CHOICES],
            "status_fields": list(STATUS_COLOURS),
        },
    )
