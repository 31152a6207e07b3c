"""The joint review of a feasibility study (可研联评联审): "one study, planned together, argued together,
decided together".

The NDRC convenes the review of a coded project's feasibility study (可行性研究报告), uploaded as PDF or OFD
(GB/T 33190, recognised by its content: ``%PDF-``, or a ZIP holding ``OFD.xml``), with the departments it
invites (by slug) and the meeting day. Convening accepts (受理) the study's approval item
(``feasibility_study_approval``, decided by the NDRC) on the day the study was received, so its working-day
clock runs from then. Each invited department concludes once: agree (同意), agree with changes (修改后同意,
listing them) or disagree (不同意, with its reason); a department not invited cannot. Once every invited
department has concluded, and not before, the NDRC records the joint decision (联审意见) — approve, approve
with changes, or disagree with its reasons — which decides the item: approved, approved with conditions, or
refused. A refused study may be revised and convened again as a new review. Every step is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, text

from gis.messages import Message, Text, phrases
from layers.departments import Department
from projects import audit
from projects.access import AccessDeniedError, NotFoundError, can_view_proposal, require_role
from projects.accounts import Account, Role
from projects.clock import NOW_SQL, beijing_today, now_parameter
from projects.supervision.coded import coded_project
from projects.supervision.errors import SupervisionConflictError, SupervisionInputError
from projects.supervision.files import check_file
from projects.supervision.items import acts_for, decide_item, open_item
from projects.supervision.settings import supervision_settings
from projects.supervision.work_plan import plan_issue_days

STUDY_ITEM_TYPE = "feasibility_study_approval"
STUDY_TYPES = ("application/pdf", "application/ofd")
"""A feasibility study is a PDF or an OFD document."""
CONCLUSIONS = ("agree", "agree_with_changes", "disagree")
DECISIONS: dict[str, str] = {"approve": "approved", "approve_with_changes": "approved_with_conditions",
                             "disagree": "refused"}
"""The joint decision and the result it gives the study's approval item."""
MAX_CHANGES = 50

phrases(
    "feasibility",
    departments=Text("请至少邀请一个部门参加联审（发改委以外的部门）",
                     "invite at least one department other than the NDRC to the review"),
    unknown_department=Text("未知的部门“{slug}”；可邀请：{known}", "unknown department {slug!r}; one of {known}"),
    meeting_before=Text("联审会议日期{meeting}早于可研报告收件日期{received}",
                        "the meeting on {meeting} is before the study was received on {received}"),
    under_way=Text("{code}的可研联评联审{id}正在进行，尚未作出决定",
                   "joint review {id} of {code} is under way, not decided"),
    none_open=Text("{code}没有正在进行的可研联评联审", "{code} has no joint feasibility review under way"),
    not_invited=Text("{department}未受邀参加{code}的可研联评联审（受邀部门：{invited}）",
                     "{department} is not invited to the joint review of {code} (invited: {invited})"),
    no_department=Text("请指明以哪个部门的名义提出意见", "say which department the conclusion is for"),
    for_department=Text("只能以本部门名义提出联审意见，不能代表{department}",
                        "a conclusion is given for one's own department, not for {department}"),
    concluded=Text("{department}已于{at}提出联审意见；意见不可更改",
                   "{department} concluded on {at}; a conclusion is final"),
    changes=Text("请逐条列出修改意见", "list the changes, one per line"),
    too_many_changes=Text("最多列出{most}条修改意见", "list at most {most} changes"),
    reason_disagree=Text("请说明不同意的理由", "say why the department disagrees"),
    reason_decision=Text("请说明不予通过的理由", "give the reasons the study is not approved"),
    reason_override=Text("{departments}不同意；批准须说明不采纳其意见的理由",
                         "{departments} disagreed; approving needs the reason their objection is overruled"),
    outstanding=Text("尚有受邀部门未提出联审意见：{departments}；全部提出后方可作出决定",
                     "not every invited department has concluded: {departments} still to conclude; the decision "
                     "comes after all of them"),
    decided_before_meeting=Text("决定日期{day}早于联审会议日期{meeting}",
                                "the decision on {day} is before the meeting on {meeting}"),
    no_study=Text("可研联评联审{id}没有可查看的报告文件。", "Joint review {id} has no study file to show."),
)


def _name(slug: str) -> Text:
    department = Department(slug)
    return Text(department.name_zh, f"{department.name_en} ({department.name_zh})")


def _names(slugs: list[str]) -> list[Text]:
    return [_name(slug) for slug in slugs]


def _invitable() -> list[str]:
    return [d.value for d in Department if d is not Department.NDRC]


def _invited(departments: list[str]) -> list[str]:
    """The invited slugs, each once, in the order given; the NDRC convenes and is not invited."""
    chosen = list(dict.fromkeys(slug.strip() for slug in departments if slug.strip()))
    if not chosen:
        raise SupervisionInputError("departments", Message("feasibility.departments"))
    for slug in chosen:
        if slug not in _invitable():
            raise SupervisionInputError("departments", Message("feasibility.unknown_department", slug=slug,
                                                               known=_invitable()))
    return chosen


def _changes(changes: list[str] | None) -> list[str]:
    listed = [c.strip() for c in changes or [] if c.strip()]
    if not listed:
        raise SupervisionInputError("changes", Message("feasibility.changes"))
    if len(listed) > MAX_CHANGES:
        raise SupervisionInputError("changes", Message("feasibility.too_many_changes", most=MAX_CHANGES))
    return listed


def _open_review(connection: Connection, proposal_id: int) -> Row[Any] | None:
    return connection.execute(
        text("SELECT id, item_id, received_on, meeting_on FROM feasibility_reviews "
             "WHERE proposal_id = :p AND decision IS NULL FOR UPDATE"), {"p": proposal_id},
    ).one_or_none()


def convene(connection: Connection, actor: Account | None, code_text: str, *, received_on: dt.date,
            meeting_on: dt.date, departments: list[str], filename: str | None, content_type: str | None,
            content: bytes) -> dict[str, Any]:
    """The NDRC convenes the joint review of the project's feasibility study; accepts the study's item."""
    require_role(actor, Role.NDRC, action=Text("召集可研联评联审", "convening a joint feasibility review"),
                 admin_may=False)
    project = coded_project(connection, actor, code_text, lock=True)
    invited = _invited(departments)
    study = check_file(content, content_type, filename, allowed=STUDY_TYPES,
                       max_bytes=supervision_settings().max_document_bytes, field="study")
    running = _open_review(connection, project.id)
    if running is not None:
        raise SupervisionConflictError(Message("feasibility.under_way", code=project.project_code, id=running.id),
                                       review_id=running.id)
    # A study accepted as an item before the review is reviewed under that item, received when it was
    # accepted; else convening accepts it.
    waiting = connection.execute(
        text("SELECT id, accepted_on FROM approval_items WHERE proposal_id = :p AND item_type = :t "
             "AND decided_on IS NULL"), {"p": project.id, "t": STUDY_ITEM_TYPE}).one_or_none()
    if waiting is not None:
        received_on = waiting.accepted_on
    if meeting_on < received_on:
        raise SupervisionInputError("meeting_on", Message("feasibility.meeting_before", meeting=meeting_on.isoformat(),
                                                          received=received_on.isoformat()))
    item_id = waiting.id if waiting is not None else open_item(
        connection, actor, item_type_key=STUDY_ITEM_TYPE, accepted_on=received_on,
        project_code=project.project_code)["id"]
    review_id = connection.execute(
        text("INSERT INTO feasibility_reviews (proposal_id, item_id, received_on, meeting_on, filename, content_type, "
             f"size_bytes, sha256, content, convened_by, created_at) VALUES (:p, :i, :r, :m, :f, :t, :s, :h, :c, :by, "
             f"{NOW_SQL}) RETURNING id"),
        {"p": project.id, "i": item_id, "r": received_on, "m": meeting_on, "f": study.filename,
         "t": study.content_type, "s": len(study.content), "h": study.sha256, "c": study.content,
         "by": actor.id if actor else None, **now_parameter()},
    ).scalar_one()
    connection.execute(text("INSERT INTO feasibility_invitations (review_id, department) VALUES (:r, :d)"),
                       [{"r": review_id, "d": slug} for slug in invited])
    audit.record(connection, actor=actor, action="convene_feasibility_review", proposal_id=project.id,
                 after={"review_id": review_id, "item_id": item_id, "received_on": received_on,
                        "meeting_on": meeting_on, "departments": invited, "study": study.filename,
                        "sha256": study.sha256})
    return reviews(connection, actor, project.project_code)


def conclude(connection: Connection, actor: Account | None, code_text: str, *, department: str | None,
             conclusion: str, changes: list[str] | None = None, reason: str | None = None) -> dict[str, Any]:
    """An invited department's conclusion on the study under review, once."""
    require_role(actor, Role.DEPARTMENT, action=Text("提出联审意见", "giving a joint review conclusion"),
                 admin_may=False)
    assert actor is not None
    slug = department or actor.department
    if not slug:
        raise SupervisionInputError("department", Message("feasibility.no_department"))
    project = coded_project(connection, actor, code_text, lock=True)
    review = _open_review(connection, project.id)
    if review is None:
        raise SupervisionConflictError(Message("feasibility.none_open", code=project.project_code))
    if slug not in _invitable() or not acts_for(actor, slug):
        raise AccessDeniedError(Message("feasibility.for_department", department=slug))
    invited = list(connection.execute(
        text("SELECT department FROM feasibility_invitations WHERE review_id = :r ORDER BY department"),
        {"r": review.id}).scalars())
    if slug not in invited:
        raise AccessDeniedError(Message("feasibility.not_invited", department=_name(slug), code=project.project_code,
                                        invited=_names(invited)))
    earlier = connection.execute(
        text("SELECT created_at FROM feasibility_conclusions WHERE review_id = :r AND department = :d"),
        {"r": review.id, "d": slug}).scalar_one_or_none()
    if earlier is not None:
        raise SupervisionConflictError(Message("feasibility.concluded", department=_name(slug),
                                               at=earlier.date().isoformat()))
    if conclusion not in CONCLUSIONS:
        raise SupervisionInputError("conclusion", Message("supervision.one_of", values=list(CONCLUSIONS)))
    listed = _changes(changes) if conclusion == "agree_with_changes" else None
    why = (reason or "").strip() or None
    if conclusion == "disagree" and why is None:
        raise SupervisionInputError("reason", Message("feasibility.reason_disagree"))
    connection.execute(
        text("INSERT INTO feasibility_conclusions (review_id, department, conclusion, changes, reason, concluded_by, "
             f"created_at) VALUES (:r, :d, :c, :ch, :why, :by, {NOW_SQL})"),
        {"r": review.id, "d": slug, "c": conclusion, "ch": listed, "why": why, "by": actor.id, **now_parameter()},
    )
    audit.record(connection, actor=actor, action="conclude_feasibility_review", proposal_id=project.id,
                 after={"review_id": review.id, "department": slug, "conclusion": conclusion, "changes": listed,
                        "reason": why})
    return reviews(connection, actor, project.project_code)


def decide(connection: Connection, actor: Account | None, code_text: str, *, decided_on: dt.date, decision: str,
           changes: list[str] | None = None, reason: str | None = None,
           document_number: str | None = None) -> dict[str, Any]:
    """The NDRC's joint decision, once every invited department has concluded; it decides the study's item."""
    require_role(actor, Role.NDRC, action=Text("作出联评联审决定", "recording the joint review decision"),
                 admin_may=False)
    project = coded_project(connection, actor, code_text, lock=True)
    review = _open_review(connection, project.id)
    if review is None:
        raise SupervisionConflictError(Message("feasibility.none_open", code=project.project_code))
    answers = connection.execute(
        text("SELECT i.department, c.conclusion FROM feasibility_invitations i LEFT JOIN feasibility_conclusions c "
             "ON c.review_id = i.review_id AND c.department = i.department WHERE i.review_id = :r "
             "ORDER BY i.department"), {"r": review.id}).all()
    outstanding = [a.department for a in answers if a.conclusion is None]
    if outstanding:
        raise SupervisionConflictError(Message("feasibility.outstanding", departments=_names(outstanding)),
                                       outstanding=outstanding)
    if decision not in DECISIONS:
        raise SupervisionInputError("decision", Message("supervision.one_of", values=list(DECISIONS)))
    listed = _changes(changes) if decision == "approve_with_changes" else None
    why = (reason or "").strip() or None
    disagreed = [a.department for a in answers if a.conclusion == "disagree"]
    if decision == "disagree" and why is None:
        raise SupervisionInputError("reason", Message("feasibility.reason_decision"))
    if decision != "disagree" and disagreed and why is None:
        raise SupervisionInputError("reason", Message("feasibility.reason_override", departments=_names(disagreed)))
    if decided_on < review.meeting_on:
        raise SupervisionInputError("decided_on", Message("feasibility.decided_before_meeting",
                                                          day=decided_on.isoformat(),
                                                          meeting=review.meeting_on.isoformat()))
    # The item's own rules apply too: not in the future, not while its clock is suspended, final.
    decide_item(connection, actor, review.item_id, decided_on=decided_on, result=DECISIONS[decision],
                document_number=document_number)
    connection.execute(
        text("UPDATE feasibility_reviews SET decision = :d, decided_on = :on, changes = :ch, reason = :why, "
             f"decided_by = :by, decided_at = {NOW_SQL} WHERE id = :id"),
        {"d": decision, "on": decided_on, "ch": listed, "why": why, "by": actor.id if actor else None,
         "id": review.id, **now_parameter()},
    )
    audit.record(connection, actor=actor, action="decide_feasibility_review", proposal_id=project.id,
                 before={"review_id": review.id, "decision": None},
                 after={"review_id": review.id, "item_id": review.item_id, "decision": decision,
                        "decided_on": decided_on, "changes": listed, "reason": why})
    return reviews(connection, actor, project.project_code)


def _department_dict(slug: str) -> dict[str, str]:
    department = Department(slug)
    return {"department": slug, "department_zh": department.name_zh, "department_en": department.name_en}


def reviews(connection: Connection, actor: Account | None, code_text: str) -> dict[str, Any]:
    """The project's joint reviews, newest first: study, meeting, each invited department's conclusion (or
    none yet), the departments still to conclude, and the joint decision with its item's result."""
    project = coded_project(connection, actor, code_text)
    rows = connection.execute(
        text("SELECT r.id, r.item_id, r.received_on, r.meeting_on, r.filename, r.content_type, r.size_bytes, "
             "r.sha256, r.created_at, r.decision, r.decided_on, r.changes, r.reason, i.result, "
             "a.username AS convened_by FROM feasibility_reviews r JOIN approval_items i ON i.id = r.item_id "
             "LEFT JOIN accounts a ON a.id = r.convened_by WHERE r.proposal_id = :p ORDER BY r.id DESC"),
        {"p": project.id}).all()
    answers = connection.execute(
        text("SELECT i.review_id, i.department, c.conclusion, c.changes, c.reason, c.created_at "
             "FROM feasibility_invitations i JOIN feasibility_reviews r ON r.id = i.review_id "
             "LEFT JOIN feasibility_conclusions c ON c.review_id = i.review_id AND c.department = i.department "
             "WHERE r.proposal_id = :p ORDER BY i.department"), {"p": project.id}).all()
    found = []
    for row in rows:
        invited = [{**_department_dict(a.department), "conclusion": a.conclusion, "changes": a.changes or [],
                    "reason": a.reason, "concluded_at": a.created_at.isoformat() if a.created_at else None}
                   for a in answers if a.review_id == row.id]
        found.append({
            "id": row.id, "item_id": row.item_id, "received_on": row.received_on.isoformat(),
            "meeting_on": row.meeting_on.isoformat(), "convened_by": row.convened_by,
            "convened_at": row.created_at.isoformat(),
            "study": {"filename": row.filename, "content_type": row.content_type, "size_bytes": row.size_bytes,
                      "sha256": row.sha256, "url": f"/api/v1/feasibility-reviews/{row.id}/study"},
            "invited": invited, "outstanding": [d["department"] for d in invited if d["conclusion"] is None],
            "decision": ({"decision": row.decision, "decided_on": row.decided_on.isoformat(),
                          "changes": row.changes or [], "reason": row.reason, "item_result": row.result}
                         if row.decision else None),
        })
    under_way = found[0] if found and found[0]["decision"] is None else None
    ndrc = actor is not None and actor.holds(Role.NDRC)
    issued = plan_issue_days(connection, [project.id]).get(project.id)
    return {"project_code": project.project_code, "name": project.name, "today": beijing_today().isoformat(),
            "work_plan_issued_on": issued.isoformat() if issued else None,
            "invitable": [_department_dict(slug) for slug in _invitable()], "reviews": found,
            # What the caller may do now, so that a page offers only that (the services check it again).
            "may": {"convene": ndrc and (not found or found[0]["decision"] is not None
                                         and found[0]["decision"]["decision"] == "disagree"),
                    "decide": ndrc and under_way is not None and not under_way["outstanding"],
                    "conclude_for": [slug for slug in (under_way["outstanding"] if under_way else [])
                                     if actor is not None and actor.role is Role.DEPARTMENT
                                     and acts_for(actor, slug)]}}


def study_file(connection: Connection, actor: Account | None, review_id: int) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of a review's study, for those who may see its project."""
    row = connection.execute(
        text("SELECT r.filename, r.content_type, r.content, p.owner_id, p.state FROM feasibility_reviews r "
             "JOIN proposals p ON p.id = r.proposal_id WHERE r.id = :id"), {"id": review_id}).one_or_none()
    if row is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(Message("feasibility.no_study", id=review_id))
    return row.filename, row.content_type, bytes(row.content)
