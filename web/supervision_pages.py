"""Supervision pages (赋码之后): the dashboard (监管看板), a coded project's page with its Gantt timeline, and
the public page of double-random inspection draws (双随机、一公开).

Built on the shared page frame (:mod:`web.pages`). As on every page, the HTML carries no project data: the
script ``/static/js/dashboard.js`` logs in through the shared client and reads ``/api/v1/supervision/…``,
which decides who sees what, and draws every chart as SVG itself — no chart library, nothing from the web.
The map shows the districts for orientation and, on a project page, the coded site and the reported sites.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from layers.catalogue import Text
from layers.store import list_layers
from projects.proposals import INVESTMENT_CATEGORIES
from projects.supervision.anomalies import WarningKind
from projects.supervision.progress import KEY_LEVELS
from projects.supervision.stages import ITEM_TYPES, Stage
from web import maps
from web.assets import PAGE_CSS, static_url
from web.i18n import labels, language_of
from web.pages import Language, render_page

router = APIRouter(include_in_schema=False)

LABELS: dict[str, Text] = {
    "sv.intro": Text("赋码后的审批时限、投资进度与异常预警。",
                     "After the code: approval deadlines, investment and warnings."),
    "sv.as_of": Text("统计日期", "As of"),
    "sv.investment": Text("各区分类总投资（万元）", "Total investment by district and category (万元)"),
    "sv.approval_time": Text("审批用时与总时限（工作日）", "Approval time against the total limit (working days)"),
    "sv.overdue": Text("各部门超期、临期与暂停计时事项", "Overdue, due-soon and suspended items by department"),
    "sv.overdue_count": Text("超期", "overdue"),
    "sv.due_soon_count": Text("临期", "due soon"),
    "sv.suspended_count": Text("暂停计时", "suspended"),
    "sv.attention": Text("需关注的审批事项：超期、暂停计时、临期",
                         "Items needing attention: overdue, suspended, due soon"),
    "sv.department": Text("部门", "Department"),
    "sv.clock": Text("计时", "Clock"),
    "sv.suspended_since": Text("自{day}起暂停计时", "clock stopped since {day}"),
    "sv.overdue_days": Text("超期{n}个工作日", "{n} working days overdue"),
    "sv.remaining_days": Text("剩余{n}个工作日", "{n} working days left"),
    "sv.suspension": Text("暂停计时 {from} 至 {to}：{reason}", "clock stopped {from} to {to}: {reason}"),
    "sv.suspension_lasting": Text("自 {from} 起暂停计时：{reason}", "clock stopped since {from}: {reason}"),
    "sv.warnings": Text("异常预警", "Anomaly warnings"),
    "sv.limit": Text("时限", "limit"),
    "sv.used": Text("已用", "used"),
    "sv.working_days": Text("个工作日", "working days"),
    "sv.wan": Text("万元", "万元"),
    "sv.provisional": Text("暂定：缺少节假日数据", "provisional: no holiday data"),
    "sv.none": Text("暂无数据", "No data yet"),
    "sv.need_role": Text("监管看板供发改委和各部门使用。", "The dashboard is for the NDRC and the departments."),
    "sv.open_project": Text("打开项目页", "Open project page"),
    "sv.project": Text("项目", "Project"),
    "sv.timeline": Text("项目时间轴", "Project timeline"),
    "sv.plan": Text("计划工期", "Planned"),
    "sv.actual": Text("实际工期", "Actual"),
    "sv.today": Text("统计日", "as of"),
    "sv.due": Text("办理期限", "due"),
    "sv.items": Text("审批事项", "Approval items"),
    "sv.reuses": Text("引用批文", "Reuses"),
    "sv.awaiting": Text("待引用", "awaiting"),
    "sv.document": Text("批文", "Document"),
    "sv.number_pending": Text("文号待补", "number pending"),
    "sv.accepted": Text("受理", "accepted"),
    "sv.decided": Text("办结", "decided"),
    "sv.total": Text("总时限", "Total limit"),
    "sv.progress": Text("进度填报", "Progress reports"),
    "sv.cumulative": Text("累计完成投资", "Cumulative investment"),
    "sv.visual": Text("形象进度", "Visual progress"),
    "sv.coded_site": Text("赋码用地", "Coded site"),
    "sv.reported_site": Text("上报用地", "Reported site"),
    "sv.no_items": Text("尚未受理审批事项", "No approval item accepted yet"),
    "sv.legend.on_time": Text("按时/进行中", "on time / running"),
    "sv.legend.due_soon": Text("临期", "due soon"),
    "sv.legend.late": Text("超期", "overdue / late"),
    "sv.draws": Text("双随机抽查结果公示", "Double-random inspection draws (published)"),
    "sv.draws.intro": Text("抽查对象从已赋码项目中随机抽取，检查人员从人员库中随机抽取并回避利害关系；"
                           "随机种子与方法一并公开，任何人可复核。",
                           "Targets are drawn at random from the coded projects and inspectors from the pool, "
                           "excluding conflicts of interest; the seed and method are published so anyone can "
                           "re-run the draw."),
    "sv.draws.seed": Text("随机种子", "Seed"),
    "sv.draws.method": Text("抽取方法", "Method"),
    "sv.draws.verified": Text("已复核：重新抽取结果一致", "Verified: re-running the draw gives the same result"),
    "sv.draws.mismatch": Text("复核不一致", "Re-run does not match"),
    "sv.draws.inspectors": Text("检查人员", "Inspectors"),
    "sv.draws.none": Text("尚无公示的抽查", "No draw published yet"),
    "sv.draws.shortfall": Text("无利害关系人员不足，缺{n}人", "{n} short: too few inspectors without a conflict"),
    "sv.draws.reproduce": Text("复核代码（Python）", "Re-run it yourself (Python)"),
    "sv.status.running": Text("办理中", "running"),
    "sv.status.due_soon": Text("临期", "due soon"),
    "sv.status.overdue": Text("超期", "overdue"),
    "sv.status.suspended": Text("暂停计时", "suspended"),
    "sv.status.on_time": Text("按时办结", "decided on time"),
    "sv.status.late": Text("超时办结", "decided late"),
    "sv.status.not_started": Text("未开始", "not started"),
    "sv.status.completed_within_limit": Text("时限内完成", "completed within the limit"),
    "sv.status.completed_over_limit": Text("超时限完成", "completed over the limit"),
    "sv.status.over_limit": Text("已超总时限", "over the total limit"),
    "sv.warning.open": Text("待处理", "open"),
    "sv.warning.inspect": Text("现场核查", "inspect"),
    "sv.warning.post_evaluation": Text("后评价", "post-evaluation"),
    "sv.warning.dismissed": Text("已撤销", "dismissed"),
}
"""Labels of these pages; stage, item, category, key-level and warning names come from the domain."""


def page_labels(language: str) -> dict[str, str]:
    """The shared labels, these pages' labels and the domain's names under namespaced keys."""
    english = language == "en"
    table = labels(language)
    table.update({key: text.in_language(language) for key, text in LABELS.items()})
    table.update({f"category.{k}": en if english else zh for k, (zh, en) in INVESTMENT_CATEGORIES.items()})
    table.update({f"key_level.{k}": en if english else zh for k, (zh, en) in KEY_LEVELS.items()})
    table.update({f"stage.{s.value}": s.name_en if english else s.name_zh for s in Stage})
    table.update({f"item.{k}": t.name_en if english else t.name_zh for k, t in ITEM_TYPES.items()})
    table.update({f"sv.warning_kind.{k.value}": k.name_en if english else k.name_zh for k in WarningKind})
    return table


def _render(request: Request, template: str, page: str, title_key: str, language: str,
            config: dict[str, object] | None = None) -> HTMLResponse:
    """A supervision page on the shared frame, with the district layer under it for orientation."""
    districts = [layer for layer in list_layers() if layer["kind"] == "district"]
    extents = [layer["extent"] for layer in districts if layer["extent"]]
    fmap = maps.base_map(extents[0] if extents else None)
    layers = maps.add_planning_layers(fmap, districts, language)
    table = page_labels(language)
    # The shared frame looks titles up in the shared labels: give it one, and this page's title in context.
    return render_page(
        request, template, page=page, language=language, fmap=fmap, layers=layers, title_key="app.title",
        config={"labels": table, **(config or {})},
        context={"t": table, "title": table[title_key],
                 "page_css": [*PAGE_CSS, static_url("css/supervision.css"), static_url("css/clocks.css")]},
    )


@router.get("/supervision", response_class=HTMLResponse)
def dashboard_page(request: Request, lang: Language = None) -> HTMLResponse:
    """监管看板: investment by district and category, approval time against the limit, overdue items by
    department and the warnings, for a logged-in NDRC or department account."""
    return _render(request, "dashboard.html", "supervision", "nav.supervision", language_of(lang))


@router.get("/supervision/projects/{code}", response_class=HTMLResponse)
def project_page(request: Request, code: str, lang: Language = None) -> HTMLResponse:
    """A coded project: its approvals and progress on a Gantt timeline, its items, and its sites on the map."""
    return _render(request, "project.html", "supervision-project", "sv.timeline", language_of(lang),
                   {"projectCode": code})


@router.get("/inspections", response_class=HTMLResponse)
def inspections_page(request: Request, lang: Language = None) -> HTMLResponse:
    """双随机、一公开: every published draw with its seed, method, result and verification, for everyone."""
    return _render(request, "inspections.html", "inspections", "nav.inspections", language_of(lang))
