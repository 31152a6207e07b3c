"""Labels of the map pages in Chinese (default) and English (``?lang=en``).

One flat table of page labels, plus the names the domain already carries in both languages (layer
kinds, land-use classes, departments), gathered under namespaced keys (``kind.land_use``,
``landuse.07``, ``department.water``, ``state.approved``…). The same dictionary feeds the Jinja
templates and the pages' JavaScript, so a label is written once.
"""

from __future__ import annotations

from layers.catalogue import LAYER_KINDS, Text
from layers.departments import Department
from layers.land_use import FIRST_LEVEL_CLASSES

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

LABELS: dict[str, Text] = {
    "app.title": Text("一张蓝图", "One Blueprint"),
    "app.subtitle": Text("厦门市投资项目策划生成", "Xiamen investment project planning"),
    "nav.map": Text("一张蓝图总图", "Blueprint map"),
    "nav.ndrc": Text("发改委统筹", "NDRC overview"),
    "nav.review": Text("项目审查", "Proposal review"),
    "nav.investment": Text("招商地块", "Investment parcels"),
    "nav.supervision": Text("监管看板", "Supervision"),
    "nav.inspections": Text("双随机公示", "Random inspections"),
    "nav.language": Text("English", "中文"),
    "login.title": Text("登录", "Log in"),
    "login.username": Text("用户名", "Username"),
    "login.secret": Text("密码", "Secret"),
    "login.submit": Text("登录", "Log in"),
    "login.logout": Text("退出", "Log out"),
    "login.as": Text("当前用户", "Logged in as"),
    "login.failed": Text("用户名或密码错误", "Unknown username or wrong secret"),
    "login.needed": Text("请先登录：项目信息仅对登录用户开放。",
                         "Log in first: proposals are shown to logged-in users only."),
    "legend.title": Text("图层与图例", "Layers and legend"),
    "legend.landuse": Text("用地分类（一级类）", "Land-use classes (first level)"),
    "legend.proposals": Text("项目预选址", "Proposed sites"),
    "legend.features": Text("个要素", "features"),
    "legend.version": Text("版本", "version"),
    "legend.no_layers": Text("尚未导入规划图层", "No planning layer has been imported yet"),
    "site.current": Text("当前选址", "Current site"),
    "site.earlier": Text("历史选址", "Earlier revision"),
    "site.clear": Text("无冲突", "No conflict"),
    "site.approved": Text("已赋码", "Coded (approved)"),
    "severity.blocking": Text("禁止类冲突", "Blocking conflict"),
    "severity.needs_review": Text("需部门审查", "Needs review"),
    "severity.info": Text("提示", "Information"),
    "state.draft": Text("草稿", "draft"),
    "state.submitted": Text("已提交", "submitted"),
    "state.under_review": Text("审查中", "under review"),
    "state.approved": Text("已赋码", "approved"),
    "state.returned": Text("已退回", "returned"),
    "state.rejected": Text("已驳回", "rejected"),
    "verdict.agree": Text("同意", "agree"),
    "verdict.agree_with_conditions": Text("有条件同意", "agree with conditions"),
    "verdict.object": Text("不同意", "object"),
    "proposal.name": Text("项目名称", "Project"),
    "proposal.applicant": Text("项目单位", "Applicant"),
    "proposal.state": Text("状态", "State"),
    "proposal.conflicts": Text("冲突", "Conflicts"),
    "proposal.opinions": Text("部门意见", "Opinions"),
    "proposal.outstanding": Text("待反馈", "Awaiting"),
    "proposal.objections": Text("反对", "Objections"),
    "proposal.code": Text("项目代码", "Project code"),
    "proposal.area": Text("用地面积", "Site area"),
    "proposal.revision": Text("第{n}版选址", "revision {n}"),
    "proposal.review_link": Text("打开审查图", "Open review map"),
    "proposal.none": Text("暂无项目", "No proposals"),
    "proposal.days": Text("天", "days"),
    "proposal.loading": Text("正在加载……", "Loading…"),
    "conflict.layer": Text("图层", "Layer"),
    "conflict.rule": Text("规则", "Rule"),
    "conflict.department": Text("责任部门", "Department"),
    "conflict.area": Text("重叠面积", "Overlap"),
    "conflict.follow_up": Text("处理要求", "Follow-up"),
    "conflict.none": Text("选址未发现空间冲突", "The site has no spatial conflict"),
    "conflict.other_project": Text("其他项目选址", "another project's site"),
    "conflict.title": Text("空间冲突", "Spatial conflicts"),
    "opinions.title": Text("部门审查意见", "Department opinions"),
    "opinions.none": Text("尚无意见", "No opinion yet"),
    "opinions.awaiting": Text("等待以下部门反馈", "Waiting for"),
    "opinions.stands": Text("有效", "stands"),
    "opinions.superseded": Text("已失效（选址已变更）", "superseded (site changed)"),
    "markings.title": Text("地图标注", "Map markings"),
    "markings.none": Text("尚无标注", "No marking yet"),
    "markings.draw_hint": Text("用地图左侧工具绘制标注，填写说明后保存。",
                               "Draw a marking with the toolbar on the map, then describe and save it."),
    "markings.not_department": Text("仅部门用户可在审查中标注地图。",
                                    "Only department users mark the map in a review."),
    "markings.note": Text("标注说明", "Note"),
    "markings.save": Text("保存标注", "Save marking"),
    "markings.cancel": Text("取消", "Cancel"),
    "markings.saved": Text("标注已保存", "Marking saved"),
    "markings.note_needed": Text("请填写标注说明", "Write a note for the marking"),
    "action.approve": Text("批准赋码", "Approve and code"),
    "action.return": Text("退回", "Return"),
    "action.start_review": Text("启动审查", "Start review"),
    "action.reason": Text("退回原因", "Reason for returning"),
    "action.refused": Text("无法批准，原因如下：", "Approval refused:"),
    "action.failed": Text("操作未完成：", "The action failed:"),
    "action.done": Text("已完成", "Done"),
    "refusal.blocking_conflict": Text("禁止类冲突", "Blocking conflict"),
    "refusal.missing_layer": Text("缺少规划图层", "Missing layer"),
    "refusal.objection": Text("部门反对", "Objection"),
    "refusal.outstanding_opinion": Text("部门尚未反馈", "Opinion outstanding"),
    "refusal.blacklisted_applicant": Text("失信联合惩戒", "Blacklisted applicant"),
    "ndrc.required": Text("需反馈部门", "Departments required"),
    "ndrc.given": Text("已反馈", "given"),
    "ndrc.none_required": Text("无需部门意见", "none required"),
    "ndrc.confirm_return": Text("确认退回", "Confirm return"),
    "identify.title": Text("此处的规划要素", "Planning features here"),
    "identify.zoom_for_details": Text("放大到第{zoom}级可查看全部属性和面积",
                                      "Zoom to level {zoom} for every attribute and the area"),
    "legend.generalised": Text("缩小显示时，小于两个像素的图斑暂不绘制，放大即可看到。",
                               "Zoomed out, features smaller than two pixels are left out; zoom in to see them."),
    "identify.none": Text("此处没有规划图层要素", "No planning feature here"),
    "area.m2": Text("平方米", "m²"),
    "area.mu": Text("亩", "mu"),
    "area.ha": Text("公顷", "ha"),
    "basemap.none": Text("未配置底图：仅显示规划图层", "No basemap configured: planning layers only"),
    "basemap.gcj02": Text("底图为GCJ-02（高德）坐标：已按国测局偏移校正到WGS84，规划图层位置准确。",
                          "The basemap is GCJ-02 (AMap): it is shifted onto WGS84 so that the planning "
                          "layers sit where they belong."),
    "error.generic": Text("出错了：", "Something went wrong: "),
}


def language_of(requested: str | None) -> str:
    """The page language: ``en`` when asked for, otherwise Chinese."""
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


def labels(language: str) -> dict[str, str]:
    """Every label in ``language``: the page labels and the domain's names under namespaced keys."""
    english = language == "en"
    table = {key: text.in_language(language) for key, text in LABELS.items()}
    table.update({f"kind.{slug}": kind.name.in_language(language) for slug, kind in LAYER_KINDS.items()})
    table.update({f"landuse.{code}": names[1 if english else 0] for code, names in FIRST_LEVEL_CLASSES.items()})
    table.update({f"department.{d.value}": d.name_en if english else d.name_zh for d in Department})
    return table
