"""Approval items (审批事项) of coded projects: acceptance, decision, the issued document (文号 and file) and
the earlier documents each item reuses (批文引用).

Rules: no item for a project without a valid code (无码不批); the responsible department accepts, suspends,
resumes and decides its own items; a decision never precedes its acceptance and is final; an item's clock is
suspended (暂停计时) only while it is open, on a legal ground (:mod:`projects.supervision.grounds`), within its
acceptance and today, never overlapping another of its suspensions, and a suspended item is resumed before it
is decided, on or after the day its clock resumed; an issued document's number and file
never change; a document already issued — same number or same file — is referenced, never uploaded again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, Row, text
from sqlalchemy.exc import IntegrityError

from gis.messages import Message, Text
from layers.departments import Department
from projects import audit
from projects.access import AccessDeniedError, NotFoundError, can_view_proposal, require_role
from projects.accounts import Account, Role
from projects.clock import NOW_SQL, beijing_today, now_parameter
from projects.departments import Directory, load_directory
from projects.supervision.clocks import ItemTimes, item_clock, suspensions_of, total_clock
from projects.supervision.coded import (
    PROJECT_COLUMNS,
    code_start,
    coded_project,
    project_for_item,
    valid_code,
)
from projects.supervision.errors import DocumentAlreadyIssuedError, SupervisionConflictError, SupervisionInputError
from projects.supervision.files import DOCUMENT_TYPES, check_file
from projects.supervision.grounds import GROUNDS, SUSPENSION_GROUNDS, SuspensionGround
from projects.supervision.settings import supervision_settings
from projects.supervision.stages import ITEM_TYPES, ItemType, Result, Stage, effective_limits, item_type
from projects.supervision.work_plan import plan_issue_days
from projects.supervision.workdays import WorkingCalendar, load_calendar

_ITEM_COLUMNS = ("i.id, i.proposal_id, i.item_type, i.stage, i.department, i.accepted_on, i.limit_working_days, "
                 "i.decided_on, i.result, i.note, i.created_at")
_DOCUMENT_COLUMNS = ("d.id, d.item_id, d.proposal_id, d.document_number, d.issued_on, d.filename, d.content_type, "
                     "d.size_bytes, d.sha256")


def normalise_number(number: str) -> str:
    """A document number (文号) as stored: full-width digits and letters made ASCII, spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", number)).strip()


def acts_for(actor: Account, department: str) -> bool:
    """Whether ``actor`` accepts and decides the items of ``department`` (admin may act for any)."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.NDRC:
        return department == Department.NDRC.value
    return actor.role is Role.DEPARTMENT and actor.department is not None and actor.department == department


def _require_department(connection: Connection, actor: Account | None, department: str,
                        action: Text) -> Account:
    require_role(actor, Role.DEPARTMENT, Role.NDRC, action=action)
    assert actor is not None
    if not acts_for(actor, department):
        raise AccessDeniedError(Message("supervision.responsible", action=action,
                                        department=load_directory(connection).name(department)))
    return actor


def _kind_name(kind: ItemType) -> Text:
    return Text(kind.name_zh, f"{kind.name_en} ({kind.name_zh})")


def _check_date(field: str, value: dt.date, today: dt.date) -> None:
    if value > today:
        raise SupervisionInputError(field, Message("supervision.future", day=value.isoformat(),
                                                   today=today.isoformat()))


def open_item(connection: Connection, actor: Account | None, *, item_type_key: str, accepted_on: dt.date,
              project_code: str | None = None, proposal_id: int | None = None, references: list[str] | None = None,
              note: str | None = None) -> dict[str, Any]:
    """Accept (受理) an approval item for a coded project; its earlier documents are referenced at once."""
    kind = item_type(item_type_key)
    require_role(actor, Role.DEPARTMENT, Role.NDRC, action=Text("开启审批事项", "opening an approval item"))
    project = project_for_item(connection, actor, project_code=project_code, proposal_id=proposal_id)
    department = responsible_department(connection, kind, project)
    _require_department(connection, actor, department, Text("开启该审批事项", "opening this approval item"))
    item_id = record_acceptance(connection, actor, kind, project, department, accepted_on, references=references,
                                note=note)
    return item_detail(connection, actor, item_id)


def responsible_department(connection: Connection, kind: ItemType, project: Row[Any]) -> str:
    """The department answering for ``kind``'s items in the project's district (the responsibility table)."""
    return load_directory(connection).route(kind.key, project.district_code, kind.department.value)


def record_acceptance(connection: Connection, actor: Account, kind: ItemType, project: Row[Any], department: str,
                      accepted_on: dt.date, *, references: list[str] | None = None, note: str | None = None) -> int:
    """Record the acceptance (受理) of ``kind`` for ``project`` (a row of :func:`project_for_item`) by an actor
    already found entitled to accept it — the responsible ``department`` (:func:`responsible_department`), or a
    window on its behalf (代收代办, :mod:`projects.supervision.windows`). The item's working-day clock starts on
    ``accepted_on``. Returns the new item's id."""
    _check_date("accepted_on", accepted_on, beijing_today())
    code = valid_code(project.project_code, what=Message("coded.project", id=project.id))
    if accepted_on < code_start(code):
        raise SupervisionInputError("accepted_on", Message("supervision.before_code", day=accepted_on.isoformat(),
                                                           code=code.text))
    earlier = connection.execute(
        text("SELECT i.id, i.decided_on, i.result, d.document_number FROM approval_items i "
             "LEFT JOIN approval_documents d ON d.item_id = i.id WHERE i.proposal_id = :p AND i.item_type = :t "
             "AND (i.decided_on IS NULL OR i.result <> 'refused') ORDER BY i.id"),
        {"p": project.id, "t": kind.key},
    ).first()
    if earlier is not None and earlier.decided_on is None:
        raise SupervisionConflictError(Message("supervision.already_open", kind=_kind_name(kind), code=code.text,
                                               item=earlier.id), item_id=earlier.id)
    if earlier is not None:
        raise DocumentAlreadyIssuedError(
            Message("supervision.already_granted", kind=_kind_name(kind), code=code.text, item=earlier.id,
                    document=Message("supervision.with_document", number=earlier.document_number)
                    if earlier.document_number else ""), item_id=earlier.id,
            document_number=earlier.document_number)
    item_id = connection.execute(
        text("INSERT INTO approval_items (proposal_id, item_type, stage, department, accepted_on, "
             "limit_working_days, note, opened_by, created_at) "
             f"VALUES (:p, :t, :s, :d, :a, :l, :n, :by, {NOW_SQL}) RETURNING id"),
        {"p": project.id, "t": kind.key, "s": kind.stage.value, "d": department, "a": accepted_on,
         "l": effective_limits(connection)[kind.key], "n": (note or "").strip() or None, "by": actor.id,
         **now_parameter()},
    ).scalar_one()
    connection.execute(
        text("INSERT INTO item_references (item_id, document_id, how) SELECT :i, d.id, 'automatic' "
             "FROM approval_documents d JOIN approval_items e ON e.id = d.item_id "
             "WHERE d.proposal_id = :p AND e.item_type = ANY(:types) AND e.result <> 'refused'"),
        {"i": item_id, "p": project.id, "types": list(kind.reuses)},
    )
    for number in references or []:
        _reference(connection, item_id, project.id, number)
    audit.record(connection, actor=actor, action="open_item", proposal_id=project.id,
                 after={"item_id": item_id, "item_type": kind.key, "accepted_on": accepted_on,
                        "references": references or []})
    return item_id


def _reference(connection: Connection, item_id: int, proposal_id: int, number: str) -> None:
    """Reference an issued document of the same project by its number (批文引用)."""
    normalised = normalise_number(number)
    document = connection.execute(
        text("SELECT d.id, d.proposal_id, d.item_id, i.result FROM approval_documents d "
             "JOIN approval_items i ON i.id = d.item_id WHERE d.document_number = :n"), {"n": normalised},
    ).one_or_none()
    if document is None:
        raise SupervisionInputError("references", Message("supervision.unknown_document", number=normalised))
    if document.proposal_id != proposal_id:
        raise SupervisionInputError("references", Message("supervision.other_project", number=normalised))
    if document.item_id == item_id:
        raise SupervisionInputError("references", Message("supervision.own_document", number=normalised))
    if not Result(document.result).grants:
        raise SupervisionInputError("references", Message("supervision.refusing_document", number=normalised))
    connection.execute(
        text("INSERT INTO item_references (item_id, document_id, how) VALUES (:i, :d, 'explicit') "
             "ON CONFLICT (item_id, document_id) DO NOTHING"), {"i": item_id, "d": document.id},
    )


def _load_item(connection: Connection, actor: Account | None, item_id: int, *, lock: bool = False) -> Row[Any]:
    row = connection.execute(
        text(f"SELECT {_ITEM_COLUMNS}, p.owner_id, p.state, p.project_code FROM approval_items i "
             "JOIN proposals p ON p.id = i.proposal_id WHERE i.id = :id" + (" FOR UPDATE OF i" if lock else "")),
        {"id": item_id},
    ).one_or_none()
    if row is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(Message("supervision.no_item", id=item_id))
    return row


def add_reference(connection: Connection, actor: Account | None, item_id: int, number: str) -> dict[str, Any]:
    """Reference one more earlier document from an item (its department, while the item is open)."""
    item = _load_item(connection, actor, item_id, lock=True)
    _require_department(connection, actor, item.department, Text("引用批文", "referencing a document"))
    if item.decided_on is not None:
        raise SupervisionConflictError(Message("supervision.record_final", id=item_id, day=str(item.decided_on)))
    _reference(connection, item_id, item.proposal_id, number)
    audit.record(connection, actor=actor, action="reference_document", proposal_id=item.proposal_id,
                 after={"item_id": item_id, "document_number": normalise_number(number)})
    return item_detail(connection, actor, item_id)


def _refuse_known_number(connection: Connection, number: str) -> None:
    known = connection.execute(
        text("SELECT d.item_id, p.project_code FROM approval_documents d JOIN proposals p ON p.id = d.proposal_id "
             "WHERE d.document_number = :n"), {"n": number},
    ).one_or_none()
    if known is not None:
        raise DocumentAlreadyIssuedError(
            Message("supervision.known_number", number=number, item=known.item_id, code=known.project_code),
            document_number=number, item_id=known.item_id)


def _lasting_suspension(connection: Connection, item_id: int) -> Row[Any] | None:
    return connection.execute(
        text("SELECT id, suspended_on, kind FROM item_suspensions WHERE item_id = :i AND resumed_on IS NULL "
             "FOR UPDATE"), {"i": item_id},
    ).one_or_none()


def _legal_ground(key: str | None) -> SuspensionGround:
    """The ground a new suspension names: one of the itemised grounds, never the legacy one."""
    choices = [Text(f"{g.key}（{g.name.zh}）", f"{g.key} ({g.name.en})") for g in SUSPENSION_GROUNDS if g.selectable]
    if not key or not key.strip():
        raise SupervisionInputError("ground", Message("suspension.no_ground", grounds=choices))
    chosen = GROUNDS.get(key.strip())
    if chosen is None:
        raise SupervisionInputError("ground", Message("suspension.unknown_ground", ground=key.strip(),
                                                      grounds=choices))
    if not chosen.selectable:
        raise SupervisionInputError("ground", Message("suspension.legacy_ground", grounds=choices))
    return chosen


def _refuse_overlap(connection: Connection, item_id: int, start: dt.date, end: dt.date | None) -> None:
    """Refuse a span (start, end] (end None: until resumed) that shares a day with another suspension of the
    item; a span may begin on the day the previous one was resumed."""
    for other in connection.execute(
        text("SELECT suspended_on, resumed_on, kind FROM item_suspensions WHERE item_id = :i "
             "ORDER BY suspended_on, id FOR UPDATE"), {"i": item_id},
    ).all():
        if max(start, other.suspended_on) >= min(end or dt.date.max, other.resumed_on or dt.date.max):
            continue
        if end is None and other.resumed_on is None:
            raise SupervisionConflictError(Message("supervision.suspended_already", id=item_id,
                                                   day=str(other.suspended_on)))
        ground = GROUNDS[other.kind].name
        span = (Message("suspension.span", start=other.suspended_on.isoformat(), end=other.resumed_on.isoformat())
                if other.resumed_on else Message("suspension.lasting", start=other.suspended_on.isoformat()))
        raise SupervisionInputError("suspended_on", Message("suspension.overlaps", id=item_id, span=span,
                                                            ground=ground))


def suspend_item(connection: Connection, actor: Account | None, item_id: int, *, suspended_on: dt.date,
                 ground: str | None, reason: str | None, resumed_on: dt.date | None = None) -> dict[str, Any]:
    """Stop an open item's clock (暂停计时) from ``suspended_on`` on, on a legal ground (:mod:`grounds`); its
    working days count again once it is resumed. With ``resumed_on`` a past span is recorded at once."""
    item = _load_item(connection, actor, item_id, lock=True)
    _require_department(connection, actor, item.department,
                        Text("暂停该审批事项的计时", "suspending this approval item"))
    if item.decided_on is not None:
        raise SupervisionConflictError(Message("supervision.record_final", id=item_id, day=str(item.decided_on)))
    chosen = _legal_ground(ground)
    if not reason or not reason.strip():
        raise SupervisionInputError("reason", Message("supervision.suspension_reason"))
    today = beijing_today()
    _check_date("suspended_on", suspended_on, today)
    if suspended_on < item.accepted_on:
        raise SupervisionInputError("suspended_on", Message("supervision.before_accepted",
                                                            day=suspended_on.isoformat(),
                                                            accepted=item.accepted_on.isoformat()))
    if resumed_on is not None:
        _check_date("resumed_on", resumed_on, today)
        if resumed_on < suspended_on:
            raise SupervisionInputError("resumed_on", Message("supervision.resumed_before",
                                                              day=resumed_on.isoformat(),
                                                              start=suspended_on.isoformat()))
    _refuse_overlap(connection, item_id, suspended_on, resumed_on)
    by = actor.id if actor else None
    suspension_id = connection.execute(
        text("INSERT INTO item_suspensions (item_id, suspended_on, kind, reason, resumed_on, suspended_by, "
             f"resumed_by, created_at) VALUES (:i, :d, :k, :r, :e, :by, :rby, {NOW_SQL}) RETURNING id"),
        {"i": item_id, "d": suspended_on, "k": chosen.key, "r": reason.strip(), "e": resumed_on, "by": by,
         "rby": by if resumed_on else None, **now_parameter()},
    ).scalar_one()
    audit.record(connection, actor=actor, action="suspend_item", proposal_id=item.proposal_id,
                 after={"item_id": item_id, "suspension_id": suspension_id, "suspended_on": suspended_on,
                        "ground": chosen.key, "reason": reason.strip(), "resumed_on": resumed_on})
    return item_detail(connection, actor, item_id)


def resume_item(connection: Connection, actor: Account | None, item_id: int, *, resumed_on: dt.date) -> dict[str, Any]:
    """Let a suspended item's clock run again: the working days after ``resumed_on`` count."""
    item = _load_item(connection, actor, item_id, lock=True)
    _require_department(connection, actor, item.department, Text("恢复该审批事项的计时", "resuming this approval item"))
    lasting = _lasting_suspension(connection, item_id)
    if lasting is None:
        raise SupervisionConflictError(Message("supervision.not_suspended", id=item_id))
    _check_date("resumed_on", resumed_on, beijing_today())
    if resumed_on < lasting.suspended_on:
        raise SupervisionInputError("resumed_on", Message("supervision.resumed_before", day=resumed_on.isoformat(),
                                                          start=lasting.suspended_on.isoformat()))
    connection.execute(text("UPDATE item_suspensions SET resumed_on = :d, resumed_by = :by WHERE id = :id"),
                       {"d": resumed_on, "by": actor.id if actor else None, "id": lasting.id})
    audit.record(connection, actor=actor, action="resume_item", proposal_id=item.proposal_id,
                 before={"item_id": item_id, "suspension_id": lasting.id, "resumed_on": None},
                 after={"item_id": item_id, "suspension_id": lasting.id, "resumed_on": resumed_on})
    return item_detail(connection, actor, item_id)


def decide_item(connection: Connection, actor: Account | None, item_id: int, *, decided_on: dt.date, result: str,
                document_number: str | None = None) -> dict[str, Any]:
    """Record the decision (办结) and its document; the number may follow later (文号待补) but never changes."""
    item = _load_item(connection, actor, item_id, lock=True)
    _require_department(connection, actor, item.department, Text("办结该审批事项", "deciding this approval item"))
    if item.decided_on is not None:
        raise SupervisionConflictError(Message("supervision.decision_final", id=item_id, day=str(item.decided_on)))
    lasting = _lasting_suspension(connection, item_id)
    if lasting is not None:
        raise SupervisionConflictError(Message("supervision.suspended_undecided", id=item_id,
                                               day=str(lasting.suspended_on)))
    try:
        outcome = Result(result)
    except ValueError:
        raise SupervisionInputError("result", Message("supervision.one_of", values=[r.value for r in Result])) from None
    _check_date("decided_on", decided_on, beijing_today())
    if decided_on < item.accepted_on:
        raise SupervisionInputError("decided_on", Message("supervision.before_accepted", day=decided_on.isoformat(),
                                                          accepted=item.accepted_on.isoformat()))
    stopped_until = connection.execute(
        text("SELECT max(resumed_on) FROM item_suspensions WHERE item_id = :i"), {"i": item_id}).scalar_one()
    if stopped_until is not None and decided_on < stopped_until:
        raise SupervisionInputError("decided_on", Message("suspension.decided_while_stopped",
                                                          day=decided_on.isoformat(), until=stopped_until.isoformat()))
    number = normalise_number(document_number) if document_number and document_number.strip() else None
    if number:
        _refuse_known_number(connection, number)
    connection.execute(
        text(f"UPDATE approval_items SET decided_on = :d, result = :r, decided_by = :by, decided_at = {NOW_SQL} "
             "WHERE id = :id"),
        {"d": decided_on, "r": outcome.value, "by": actor.id if actor else None, "id": item_id, **now_parameter()},
    )
    document_id = _insert_document(connection, item, number, decided_on)
    if outcome.grants:
        # Open items already waiting for this kind of document reference it as soon as it is issued.
        connection.execute(
            text("INSERT INTO item_references (item_id, document_id, how) SELECT i.id, :doc, 'automatic' "
                 "FROM approval_items i WHERE i.proposal_id = :p AND i.decided_on IS NULL AND i.item_type = ANY(:t) "
                 "ON CONFLICT DO NOTHING"),
            {"doc": document_id, "p": item.proposal_id,
             "t": [k for k, t in ITEM_TYPES.items() if item.item_type in t.reuses]},
        )
    audit.record(connection, actor=actor, action="decide_item", proposal_id=item.proposal_id,
                 before={"item_id": item_id, "decided_on": None},
                 after={"item_id": item_id, "decided_on": decided_on, "result": outcome.value,
                        "document_number": number})
    return item_detail(connection, actor, item_id)


def _insert_document(connection: Connection, item: Row[Any], number: str | None, issued_on: dt.date) -> int:
    savepoint = connection.begin_nested()
    try:
        document_id = connection.execute(
            text("INSERT INTO approval_documents (item_id, proposal_id, document_number, issued_on) "
                 "VALUES (:i, :p, :n, :d) RETURNING id"),
            {"i": item.id, "p": item.proposal_id, "n": number, "d": issued_on},
        ).scalar_one()
    except IntegrityError as error:
        savepoint.rollback()
        if isinstance(error.orig, UniqueViolation) and number:
            _refuse_known_number(connection, number)
        raise
    savepoint.commit()
    return document_id


def _document(connection: Connection, item_id: int) -> Row[Any]:
    document = connection.execute(
        text(f"SELECT {_DOCUMENT_COLUMNS} FROM approval_documents d WHERE d.item_id = :i FOR UPDATE"), {"i": item_id}
    ).one_or_none()
    if document is None:
        raise SupervisionConflictError(Message("supervision.undecided", id=item_id))
    return document


def set_document_number(connection: Connection, actor: Account | None, item_id: int, number: str) -> dict[str, Any]:
    """Give a decided item's document its number (文号), once."""
    item = _load_item(connection, actor, item_id, lock=True)
    _require_department(connection, actor, item.department, Text("为该批文编号", "numbering this document"))
    document = _document(connection, item_id)
    if not number or not number.strip():
        raise SupervisionInputError("document_number", Message("supervision.document_number"))
    normalised = normalise_number(number)
    if document.document_number is not None:
        raise SupervisionConflictError(Message("supervision.numbered", id=item_id, number=document.document_number))
    _refuse_known_number(connection, normalised)
    connection.execute(text("UPDATE approval_documents SET document_number = :n WHERE id = :id"),
                       {"n": normalised, "id": document.id})
    audit.record(connection, actor=actor, action="number_document", proposal_id=item.proposal_id,
                 before={"item_id": item_id, "document_number": None},
                 after={"item_id": item_id, "document_number": normalised})
    return item_detail(connection, actor, item_id)


def upload_document(connection: Connection, actor: Account | None, item_id: int, *, filename: str | None,
                    content_type: str | None, content: bytes) -> dict[str, Any]:
    """Attach the file of a decided item's document, once; a file issued before is referenced, not re-uploaded."""
    item = _load_item(connection, actor, item_id, lock=True)
    _require_department(connection, actor, item.department, Text("上传该事项的批文", "uploading this item's document"))
    document = _document(connection, item_id)
    if document.sha256 is not None:
        raise SupervisionConflictError(Message("supervision.has_file", id=item_id, filename=document.filename))
    checked = check_file(content, content_type, filename, allowed=DOCUMENT_TYPES,
                         max_bytes=supervision_settings().max_document_bytes, field="file")
    same = connection.execute(
        text("SELECT d.item_id, d.document_number, p.project_code FROM approval_documents d "
             "JOIN proposals p ON p.id = d.proposal_id WHERE d.sha256 = :h"), {"h": checked.sha256},
    ).one_or_none()
    if same is not None:
        raise DocumentAlreadyIssuedError(
            Message("supervision.same_file", number=same.document_number or Message("supervision.number_pending"),
                    item=same.item_id, code=same.project_code),
            document_number=same.document_number, item_id=same.item_id)
    connection.execute(
        text("UPDATE approval_documents SET filename = :f, content_type = :t, size_bytes = :s, sha256 = :h, "
             "content = :c, uploaded_by = :by, uploaded_at = now() WHERE id = :id"),
        {"f": checked.filename, "t": checked.content_type, "s": len(checked.content), "h": checked.sha256,
         "c": checked.content, "by": actor.id if actor else None, "id": document.id},
    )
    audit.record(connection, actor=actor, action="upload_document", proposal_id=item.proposal_id,
                 after={"item_id": item_id, "filename": checked.filename, "sha256": checked.sha256,
                        "size_bytes": len(checked.content)})
    return item_detail(connection, actor, item_id)


def document_file(connection: Connection, actor: Account | None, document_id: int) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of an issued document's file, for those who may see its project."""
    row = connection.execute(
        text("SELECT d.filename, d.content_type, d.content, p.owner_id, p.state FROM approval_documents d "
             "JOIN proposals p ON p.id = d.proposal_id WHERE d.id = :id"), {"id": document_id},
    ).one_or_none()
    if row is None or row.content is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(Message("supervision.no_file", id=document_id))
    return row.filename, row.content_type, bytes(row.content)


def item_times(connection: Connection, rows: list[Row[Any]]) -> dict[int, ItemTimes]:
    """What the clocks need of each item row (of :func:`item_rows`), suspensions included, by item id."""
    suspensions = suspensions_of(connection, [r.id for r in rows])
    return {r.id: ItemTimes(r.item_type, r.accepted_on, r.limit_working_days, r.decided_on, r.result,
                            suspensions.get(r.id, ())) for r in rows}


def _suspensions_by_item(connection: Connection, proposal_id: int) -> dict[int, list[dict[str, Any]]]:
    rows = connection.execute(
        text("SELECT s.id, s.item_id, s.suspended_on, s.resumed_on, s.kind, s.reason FROM item_suspensions s "
             "JOIN approval_items i ON i.id = s.item_id WHERE i.proposal_id = :p ORDER BY s.suspended_on, s.id"),
        {"p": proposal_id},
    ).all()
    result: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        result.setdefault(r.item_id, []).append(
            {"id": r.id, **GROUNDS[r.kind].as_dict(), "ground": r.kind, "reason": r.reason,
             "suspended_on": r.suspended_on.isoformat(),
             "resumed_on": r.resumed_on.isoformat() if r.resumed_on else None})
    return result


def _documents_by_item(connection: Connection, proposal_id: int) -> dict[int, dict[str, Any]]:
    rows = connection.execute(
        text(f"SELECT {_DOCUMENT_COLUMNS} FROM approval_documents d WHERE d.proposal_id = :p"), {"p": proposal_id}
    ).all()
    return {r.item_id: {"id": r.id, "document_number": r.document_number, "issued_on": r.issued_on.isoformat(),
                        "file": ({"filename": r.filename, "content_type": r.content_type, "size_bytes": r.size_bytes,
                                  "sha256": r.sha256, "url": f"/api/v1/supervision/documents/{r.id}/file"}
                                 if r.sha256 else None)}
            for r in rows}


def _references_by_item(connection: Connection, proposal_id: int) -> dict[int, list[dict[str, Any]]]:
    rows = connection.execute(
        text("SELECT r.item_id, r.how, d.id, d.document_number, d.issued_on, e.id AS source_item, e.item_type "
             "FROM item_references r JOIN approval_documents d ON d.id = r.document_id "
             "JOIN approval_items e ON e.id = d.item_id WHERE d.proposal_id = :p ORDER BY d.issued_on, d.id"),
        {"p": proposal_id},
    ).all()
    result: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        kind = ITEM_TYPES[r.item_type]
        result.setdefault(r.item_id, []).append(
            {"document_id": r.id, "document_number": r.document_number, "issued_on": r.issued_on.isoformat(),
             "from_item_id": r.source_item, "item_type": r.item_type, "zh": kind.name_zh, "en": kind.name_en,
             "how": r.how})
    return result


def _item_dict(actor: Account | None, row: Row[Any], times: ItemTimes, calendar: WorkingCalendar, as_of: dt.date,
               documents: dict[int, dict[str, Any]], references: dict[int, list[dict[str, Any]]],
               suspensions: dict[int, list[dict[str, Any]]], directory: Directory) -> dict[str, Any]:
    kind = ITEM_TYPES[row.item_type]
    reused = references.get(row.id, [])
    reused_types = {r["item_type"] for r in reused}
    department = directory.summary(row.department)
    return {
        "id": row.id, "item_type": kind.key, "zh": kind.name_zh, "en": kind.name_en, "stage": row.stage,
        "stage_order": Stage(row.stage).order, "department": row.department, "department_zh": department["zh"],
        "department_en": department["en"], "accepted_on": row.accepted_on.isoformat(),
        "decided_on": row.decided_on.isoformat() if row.decided_on else None, "result": row.result,
        "note": row.note, "clock": item_clock(calendar, times, as_of),
        "suspensions": suspensions.get(row.id, []),
        # Whether the caller may suspend, resume and decide it: its department's, while it is open.
        "may_act": actor is not None and row.decided_on is None and acts_for(actor, row.department),
        "document": documents.get(row.id),
        "reuses": reused,
        "awaiting": [{"item_type": k, "zh": ITEM_TYPES[k].name_zh, "en": ITEM_TYPES[k].name_en}
                     for k in kind.reuses if k not in reused_types] if row.decided_on is None else [],
    }


def item_detail(connection: Connection, actor: Account | None, item_id: int,
                as_of: dt.date | None = None) -> dict[str, Any]:
    """One item with its clock, its suspensions, its document and the earlier documents it reuses."""
    row = _load_item(connection, actor, item_id)
    return {"project_code": row.project_code,
            **_item_dict(actor, row, item_times(connection, [row])[row.id], load_calendar(connection),
                         as_of or beijing_today(), _documents_by_item(connection, row.proposal_id),
                         _references_by_item(connection, row.proposal_id),
                         _suspensions_by_item(connection, row.proposal_id), load_directory(connection))}


def item_rows(connection: Connection, proposal_id: int) -> list[Row[Any]]:
    """A project's items in stage order, then by acceptance."""
    return connection.execute(
        text(f"SELECT {_ITEM_COLUMNS} FROM approval_items i WHERE i.proposal_id = :p "
             "ORDER BY array_position(CAST(:stages AS text[]), i.stage::text), i.accepted_on, i.id"),
        {"p": proposal_id, "stages": [s.value for s in Stage]},
    ).all()


def project_approvals(connection: Connection, actor: Account | None, code_text: str,
                      as_of: dt.date | None = None) -> dict[str, Any]:
    """A coded project's four stages with their items, each with its clock and reuses, and the total clock."""
    project = coded_project(connection, actor, code_text)
    as_of = as_of or beijing_today()
    calendar = load_calendar(connection)
    rows = item_rows(connection, project.id)
    documents = _documents_by_item(connection, project.id)
    references = _references_by_item(connection, project.id)
    suspensions = _suspensions_by_item(connection, project.id)
    times = item_times(connection, rows)
    directory = load_directory(connection)
    items = [_item_dict(actor, r, times[r.id], calendar, as_of, documents, references, suspensions, directory)
             for r in rows]
    return {
        "project_code": project.project_code, "name": project.name, "as_of": as_of.isoformat(),
        "investment_category": project.investment_category,
        "total": total_clock(calendar, list(times.values()), project.investment_category, as_of,
                             plan_issue_days(connection, [project.id]).get(project.id)),
        "stages": [{"stage": s.value, "order": s.order, "zh": s.name_zh, "en": s.name_en,
                    "items": [i for i in items if i["stage"] == s.value]} for s in Stage],
    }


def coded_projects(connection: Connection) -> list[Row[Any]]:
    """Every project with a code, by code."""
    return connection.execute(
        text(f"SELECT {PROJECT_COLUMNS} FROM proposals p WHERE p.project_code IS NOT NULL ORDER BY p.project_code")
    ).all()
