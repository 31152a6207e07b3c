"""Errors of the supervision services; each carries the HTTP status and problem slug it maps to."""

from __future__ import annotations

from typing import Any

from gis.messages import Message, Text, phrases

phrases(
    "supervision",
    no_code=Text("{reason}。无码不批：只有具备有效投资项目代码（由发改委在批准项目时赋予）的项目才能开启审批事项。",
                 "{reason}. 无码不批: an approval item is opened only for a project with a valid project code "
                 "(投资项目代码), assigned by the NDRC on approval of the proposal."),
    one_of=Text("须为以下之一：{values}", "one of {values}"),
    # anomaly warnings
    no_warning=Text("没有编号为{id}的预警。", "There is no warning {id}."),
    dismiss_reason=Text("请说明撤销预警的理由", "say why the warning is dismissed"),
    handled=Text("无（已处理）", "nothing (handled)"),
    warning_state=Text("预警{id}当前为“{status}”；现在可进行：{allowed}",
                       "warning {id} is {status}; allowed now: {allowed}"),
    no_department=Text("未指定部门的部门账号没有审批时限",
                       "a department account without a department has no deadlines"),
    # files
    file_empty=Text("文件为空", "the file is empty"),
    file_large=Text("文件有{size:,}字节；最多接受{limit:,}字节",
                    "the file has {size:,} bytes; at most {limit:,} are accepted"),
    file_type=Text("文件内容不是以下类型之一：{allowed}", "the file's content is not one of {allowed}"),
    file_claimed=Text("文件声称为{claimed}，但内容为{actual}",
                      "the file was sent as {claimed} but its content is {actual}"),
    # inspections
    inspector_name=Text("请填写检查人员姓名", "give the inspector's name"),
    credit_code=Text("“{code}”：{reason}", "{code!r}: {reason}"),
    draw_title=Text("请填写抽查标题，如“2026年第四季度投资项目双随机抽查”",
                    "give the draw a title, e.g. 2026年第四季度投资项目双随机抽查"),
    target_count=Text("抽取1至1000个项目", "draw 1 to 1000 projects"),
    inspectors=Text("每个项目抽取1至10名检查人员", "draw 1 to 10 inspectors per project"),
    seed=Text("随机种子最多200个字符", "a seed has at most 200 characters"),
    no_candidates=Text("没有可供抽取的已赋码项目", "there is no coded project to draw from"),
    no_draw=Text("没有编号为{id}的抽查批次。", "There is no inspection draw {id}."),
    # approval items
    responsible=Text("{action}须由责任部门{department}办理",
                     "{action} is for the responsible department, {department}"),
    future=Text("{day}晚于今天（今天是{today}）", "{day} is in the future (today is {today})"),
    before_code=Text("{day}早于项目代码{code}的赋码时间（无码不批）",
                     "{day} is before the project code {code} existed (无码不批)"),
    already_open=Text("{code}的{kind}已作为审批事项{item}开启", "{kind} is already open for {code} as item {item}"),
    already_granted=Text("{code}的{kind}已由审批事项{item}批准{document}；后续事项请引用，不必重新申请",
                         "{kind} was already granted for {code} by item {item}{document}; later items reference it "
                         "instead of applying again"),
    with_document=Text("（批文{number}）", " with document {number}"),
    unknown_document=Text("没有文号为“{number}”的已出具批文", "no issued document has the number {number!r}"),
    other_project=Text("批文{number}是为其他项目出具的", "document {number} was issued for another project"),
    own_document=Text("批文{number}是本事项自己的批文", "document {number} is this item's own document"),
    refusing_document=Text("批文{number}是不予批准的决定，无可引用",
                           "document {number} refuses its approval; nothing to reuse"),
    suspended_undecided=Text("审批事项{id}自{day}起暂停计时；请先恢复计时再办结",
                             "item {id} is suspended since {day}; resume it before deciding it"),
    suspension_reason=Text("请说明暂停计时的原因，如组织专家评审、补正用地红线图",
                           "say why the clock stops, e.g. 组织专家评审 or 补正用地红线图"),
    suspended_already=Text("审批事项{id}自{day}起已暂停计时；请先恢复计时",
                           "item {id} is suspended since {day}; resume it first"),
    not_suspended=Text("审批事项{id}未暂停计时", "item {id} is not suspended"),
    resumed_before=Text("{day}早于暂停计时开始之日{start}", "{day} is before the suspension began on {start}"),
    no_item=Text("没有编号为{id}的审批事项。", "There is no approval item {id}."),
    record_final=Text("审批事项{id}已于{day}办结；其记录不可更改",
                      "item {id} was decided on {day}; its record is final"),
    known_number=Text("批文{number}已由{code}的审批事项{item}出具；请以文号引用，不要重复出具",
                      "document {number} was already issued by item {item} of {code}; reference it by its number "
                      "instead of issuing it again"),
    decision_final=Text("审批事项{id}已于{day}办结；办结决定不可更改",
                        "item {id} was decided on {day}; decisions are final"),
    before_accepted=Text("{day}早于该事项的受理日期{accepted}", "{day} is before the item was accepted on {accepted}"),
    undecided=Text("审批事项{id}尚未办结，还没有出具批文",
                   "item {id} is not decided yet, so it has issued no document"),
    document_number=Text("请填写文号，如“厦资源规划许〔2026〕18号”",
                         "give the document number (文号), e.g. 厦资源规划许〔2026〕18号"),
    numbered=Text("审批事项{id}的批文文号为{number}；已出具批文的文号不可更改",
                  "the document of item {id} is numbered {number}; an issued document's number never changes"),
    has_file=Text("审批事项{id}的批文已有文件（{filename}）；已出具的批文不可更改",
                  "the document of item {id} already has its file ({filename}); an issued document never changes"),
    same_file=Text("该文件已作为{code}的审批事项{item}的批文{number}出具；请以文号引用，不要重复上传",
                   "this file is already issued as document {number} of item {item} ({code}); reference it by its "
                   "number instead of uploading it again"),
    number_pending=Text("（文号待补）", "(number pending)"),
    no_file=Text("批文{id}没有可查看的文件。", "Document {id} has no file to show."),
    # progress reports
    period=Text("请以YYYY-MM填写报告月份，而不是“{value}”", "give the report month as YYYY-MM, not {value!r}"),
    amount=Text("请填写金额（万元）", "give the amount in 万元"),
    amount_number=Text("请以数字填写金额（万元）", "give the amount in 万元 as a number"),
    amount_positive=Text("金额（万元）须不小于0", "an amount in 万元 is zero or more"),
    not_begun=Text("{period}尚未开始", "{period} has not begun yet"),
    progress_pct=Text("形象进度须为0至100%", "visual progress (形象进度) is a share from 0 to 100 %"),
    in_future=Text("{day}晚于今天", "{day} is in the future"),
    completed_start=Text("已竣工的项目须填写实际开工日期", "a completed project reports when it started"),
    completion_order=Text("竣工日期须晚于开工日期", "completion comes after the start"),
    completed_pct=Text("已竣工项目的形象进度为100%", "a completed project is at 100 % visual progress"),
    annual_actual=Text("本年完成投资（{actual}万元）是累计完成投资（{cumulative}万元）的一部分，不能更多",
                       "this year's investment ({actual} 万元) is part of the cumulative investment ({cumulative} "
                       "万元), so not more"),
    own_projects=Text("项目单位只能填报本单位项目的进度", "an applicant reports progress only on its own projects"),
    before_code_period=Text("{period}早于项目代码{code}的赋码时间（{first}）",
                            "{period} is before the project code {code} existed ({first})"),
    reported=Text("{code}已填报{period}的进度（报告{report}）；已填报的进度不可改写",
                  "{code} has reported {period} already (report {report}); reports are never rewritten"),
    no_report=Text("没有编号为{id}的进度报告。", "There is no progress report {id}."),
    has_photo=Text("进度报告{id}已有照片；已填报的进度不可改写",
                   "report {id} has its photo already; reports are never rewritten"),
    no_photo=Text("进度报告{id}没有可查看的照片。", "Progress report {id} has no photo to show."),
    key_level=Text("须为省重点（provincial）、市重点（municipal）或空（null）",
                   "provincial (省重点), municipal (市重点) or null"),
    planned_order=Text("计划竣工日期须晚于计划开工日期", "the planned completion comes after the planned start"),
    # item types and limits
    item_type=Text("未知的事项类型“{key}”；可用类型：{known}", "unknown item type {key!r}; one of {known}"),
    working_days=Text("请填写1至{most}个工作日", "give 1 to {most} working days"),
    # the State Council holiday notices
    year=Text("请填写{first}至{last}之间的年份", "give a year between {first} and {last}"),
    notice_title=Text("请填写通知标题，如“国务院办公厅关于2027年部分节假日安排的通知”",
                      "give the notice's title, e.g. 国务院办公厅关于2027年部分节假日安排的通知"),
    holidays=Text("节假日安排至少列出一个法定节假日", "a holiday notice lists at least one public holiday"),
    other_year=Text("{year}年的通知中列有其他年份的日期：{days}",
                    "the notice for {year} lists dates of another year: {days}"),
    twice=Text("日期重复列出：{days}", "dates listed twice: {days}"),
    both=Text("日期同时列为节假日与工作日：{days}", "dates listed both as holiday and as working day: {days}"),
    weekdays=Text("调休上班日应在周六或周日；以下日期本来就是工作日：{days}",
                  "a make-up working day (调休上班) falls on a Saturday or Sunday; these are weekdays already: {days}"),
)


class SupervisionError(Exception):
    """A refused supervision request; ``extra`` is added to the problem body."""

    status = 422
    slug = "invalid-field"

    def __init__(self, message: Message, **extra: Any) -> None:
        super().__init__(message)
        self.message, self.extra = message, extra


class SupervisionInputError(SupervisionError):
    """A field of the request is wrong; ``field`` names it (the API adds the field's name)."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(message, field=field)
        self.field = field


class NoValidCodeError(SupervisionError):
    """无码不批: the project has no valid project code, so nothing may be approved for it.

    409 when the project exists but has no code yet; 422 when the code given is malformed.
    """

    slug = "no-code-no-approval"

    def __init__(self, message: Message, *, status: int = 409, **extra: Any) -> None:
        super().__init__(Message("supervision.no_code", reason=message), **extra)
        self.status = status


class SupervisionConflictError(SupervisionError):
    """The request contradicts what is already recorded (HTTP 409)."""

    status = 409
    slug = "supervision-conflict"


class DocumentAlreadyIssuedError(SupervisionConflictError):
    """批文引用: an issued document is referenced by its number, never uploaded again."""

    slug = "document-already-issued"
