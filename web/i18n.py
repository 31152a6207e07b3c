"""Labels of the map pages in Chinese (default) and English (``?lang=en``).

One flat table of page labels, plus the names the domain already carries in both languages (layer
kinds, land-use classes, departments, project types, investment categories), gathered under namespaced
keys (``kind.land_use``, ``landuse.07``, ``department.water``, ``type.01``…). The same dictionary feeds the Jinja
templates and the pages' JavaScript, so a label is written once.
"""

from __future__ import annotations

from layers.catalogue import LAYER_KINDS, Text
from layers.departments import Department
from layers.land_use import FIRST_LEVEL_CLASSES
from projects.proposals import INVESTMENT_CATEGORIES
from projects.screening import PROJECT_TYPES

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
    # 待我审查 and the opinion form (review page)
    "nav.queue": Text("待我审查", "My review queue"),
    "queue.title": Text("待我审查：等待本部门意见的项目", "Waiting for my department's opinion"),
    "queue.none": Text("目前没有等待本部门意见的项目", "No proposal is waiting for your department"),
    "queue.not_department": Text("审查队列仅对部门用户开放。", "The review queue is for department accounts."),
    "queue.waiting": Text("已等待{days}天", "waiting {days} days"),
    "queue.since": Text("自{date}起", "since {date}"),
    "queue.open": Text("审查并提出意见", "Review and give an opinion"),
    "opinion.title": Text("提出审查意见", "Give the department's opinion"),
    "opinion.verdict": Text("审查结论", "Verdict"),
    "opinion.conditions": Text("同意的条件（每行一条）", "Conditions (one a line)"),
    "opinion.reason": Text("不同意的理由", "Reason for objecting"),
    "opinion.remark": Text("说明（可选）", "Remark (optional)"),
    "opinion.cite": Text("引用本部门的地图标注（可选）", "Cite your department's markings (optional)"),
    "opinion.no_markings": Text("本部门尚无标注可引用", "Your department has no marking to cite"),
    "opinion.submit": Text("提交意见", "Submit the opinion"),
    "opinion.saved": Text("意见已提交", "Opinion submitted"),
    "opinion.verdict_needed": Text("请选择审查结论", "Choose a verdict"),
    "opinion.conditions_needed": Text("有条件同意时，请至少填写一条条件", "List at least one condition"),
    "opinion.reason_needed": Text("不同意时必须填写理由", "Say why your department objects"),
    "opinion.cites": Text("引用标注", "cites markings"),
    "opinion.standing": Text("本部门在当前选址上的意见：{verdict}。如需更改，可再次提交。",
                             "Your department's opinion on the current site: {verdict}. Submit again to change it."),
    "cannot.not_department": Text("仅部门用户可提出审查意见。", "Only department accounts give opinions."),
    "cannot.not_required": Text("本部门不在该项目需反馈的部门之列，无需提出意见。",
                                "Your department is not among those this proposal needs an opinion from."),
    "cannot.draft": Text("项目尚未提交，暂不能审查。", "The proposal is not submitted yet."),
    "cannot.submitted": Text("项目已提交，待发改委启动审查后方可提出意见。",
                             "The proposal is submitted; opinions open once the NDRC starts the review."),
    "cannot.returned": Text("项目已退回项目单位修改，重新提交并启动审查后方可提出意见。",
                            "The proposal was returned to the applicant; opinions open again once it is "
                            "resubmitted and the review restarts."),
    "cannot.rejected": Text("项目已驳回，审查已结束。", "The proposal was rejected; the review is closed."),
    "cannot.approved": Text("项目已批准赋码，审查已结束。",
                            "The proposal is approved and coded; the review is closed."),
    "cannot.mark_state": Text("仅在已提交或审查中的项目上可标注地图。",
                              "Markings are made only while the proposal is submitted or under review."),
    # NDRC overview: filters, eligibility, confirmation, decisions
    "ndrc.filter_state": Text("状态", "State"),
    "ndrc.filter_district": Text("所在区", "District"),
    "ndrc.filter_eligible": Text("可否赋码", "Eligible"),
    "ndrc.filter_waiting": Text("待反馈部门", "Waiting for"),
    "ndrc.all": Text("全部", "all"),
    "ndrc.eligible": Text("可赋码", "eligible for a code"),
    "ndrc.not_eligible": Text("不可赋码", "not eligible"),
    "ndrc.search": Text("搜索项目名称、项目单位或代码", "Search name, applicant or code"),
    "ndrc.sort": Text("排序", "Sort"),
    "ndrc.sort_newest": Text("最新提交", "newest"),
    "ndrc.sort_waiting": Text("等待最久", "waiting longest"),
    "ndrc.sort_name": Text("项目名称", "name"),
    "ndrc.sort_conflicts": Text("禁止类冲突最多", "most blocking conflicts"),
    "ndrc.count": Text("共{n}项", "Proposals: {n}"),
    "ndrc.blockers": Text("暂不可赋码：", "Not eligible yet:"),
    "ndrc.confirm_title": Text("确认批准赋码", "Confirm approval and code"),
    "ndrc.confirm_text": Text("将为以下项目分配投资项目代码。代码一经分配不可撤销、不可更改。",
                              "A project code will be assigned to this project. A code can never be withdrawn "
                              "or changed."),
    "ndrc.confirm": Text("确认赋码", "Assign the code"),
    "ndrc.cancel": Text("取消", "Cancel"),
    "ndrc.reason_needed": Text("请填写退回原因", "Give the reason for returning"),
    "decision.return": Text("退回", "returned"),
    "decision.reject": Text("驳回", "rejected"),
    "decision.approve": Text("批准赋码", "approved and coded"),
    "decision.reason": Text("原因", "reason"),
    "decision.title": Text("发改委决定", "NDRC decisions"),
    "decision.none": Text("尚未作出决定", "No decision yet"),
    "decision.returned_because": Text("退回原因", "Returned because"),
    # the printable report (PDF)
    "report.title": Text("冲突检测报告", "Conflict screening report"),
    "report.subtitle": Text("策划生成意见汇总", "Project generation: opinions summary"),
    "report.download": Text("下载PDF报告", "Download the PDF report"),
    "report.print": Text("打印", "Print"),
    "report.generated": Text("生成时间", "Generated"),
    "report.facts": Text("项目基本信息", "Project facts"),
    "report.credit_code": Text("统一社会信用代码", "Unified social credit code"),
    "report.district": Text("所在区", "District"),
    "report.project_type": Text("项目类型", "Project type"),
    "report.land_use": Text("拟用地性质", "Intended land use"),
    "report.industry": Text("行业（GB/T 4754）", "Industry (GB/T 4754)"),
    "report.investment": Text("总投资", "Total investment"),
    "report.wan": Text("万元", "10,000 yuan"),
    "report.category": Text("投资类别", "Investment category"),
    "report.source_crs": Text("报送坐标系", "Submitted CRS"),
    "report.screening": Text("检测编号", "Screening"),
    "report.map": Text("选址与冲突范围图", "Site and conflicting areas"),
    "report.scale": Text("比例尺", "Scale"),
    "report.north": Text("北", "N"),
    "report.conflicts": Text("空间冲突", "Spatial conflicts"),
    "report.percent": Text("占选址", "of site"),
    "report.layers": Text("规划图层版本与检测状态", "Planning layers: version and status"),
    "report.layer_kind": Text("图层类别", "Layer kind"),
    "report.findings": Text("发现", "Findings"),
    "report.slivers": Text("忽略的细碎重叠（数字化误差）", "Ignored slivers (digitising noise)"),
    "report.opinions": Text("部门审查意见", "Department opinions"),
    "report.revision": Text("选址版次", "Site revision"),
    "report.author": Text("经办人", "Official"),
    "report.given": Text("时间", "Given"),
    "report.signatures": Text("签字栏", "Signatures"),
    "report.signature": Text("签字（盖章）", "Signature (seal)"),
    "report.date": Text("日期", "Date"),
    "report.total": Text("合计", "Total"),
    "layer_status.conflict": Text("有冲突", "conflict"),
    "layer_status.clear": Text("无冲突", "clear"),
    "layer_status.no_data": Text("选址下无数据（需审查）", "no data under the site (needs review)"),
    "layer_status.missing": Text("图层缺失", "layer missing"),
    "field.verdict": Text("审查结论", "Verdict"),
    "field.conditions": Text("条件", "Conditions"),
    "field.reason": Text("理由", "Reason"),
    "field.marking_ids": Text("引用标注", "Cited markings"),
    "error.generic": Text("出错了：", "Something went wrong: "),
}


def language_of(requested: str | None) -> str:
    """The page language: ``en`` when asked for, otherwise Chinese."""
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


def preferred_language(requested: str | None, accept_language: str | None) -> str:
    """``?lang=`` when given, else the first of zh or en the ``Accept-Language`` header names, else Chinese."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def labels(language: str) -> dict[str, str]:
    """Every label in ``language``: the page labels and the domain's names under namespaced keys."""
    english = language == "en"
    table = {key: text.in_language(language) for key, text in LABELS.items()}
    table.update({f"kind.{slug}": kind.name.in_language(language) for slug, kind in LAYER_KINDS.items()})
    table.update({f"landuse.{code}": names[1 if english else 0] for code, names in FIRST_LEVEL_CLASSES.items()})
    table.update({f"department.{d.value}": d.name_en if english else d.name_zh for d in Department})
    table.update({f"type.{code}": names[1 if english else 0] for code, names in PROJECT_TYPES.items()})
    table.update({f"category.{slug}": names[1 if english else 0] for slug, names in INVESTMENT_CATEGORIES.items()})
    return table
