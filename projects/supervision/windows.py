"""One-window acceptance (一口受理, 代收代办): a city or district acceptance desk (受理窗口) accepts an application for
an approval item of any department on its behalf, pushes the electronic materials through the platform, forwards
the application and mails the paper materials free of charge; the responsible department confirms receipt.

Rules:

- The acceptance at the window is the item's acceptance (受理): the approval item is opened with the window's
  date as its ``accepted_on``, so the responsible department's working-day clock starts when the window accepts.
  An item already open or granted for the project is refused as at the department's own desk.
- A window forwards (转交) only to the department that owns the item type; anything else is refused and changes
  nothing. It forwards once, after materials are there (uploaded files, or paper ones mailed), and adds no file
  after forwarding. The responsible department confirms receipt (签收) once, on or after the forwarding day.
- Paper materials go by free postal mail (免费邮寄, EMS): a tracking number, the day sent (by the window) and the
  day received (by the department), each once and in that order.
- No day lies in the future (Beijing time) or before the step it follows. Every step is audited.

The desks are those of Xiamen's administrative service centres (行政服务中心): the city's and each of the six
districts'. Their names follow the centres' usual names; no address is given because none is needed here.
Window accounts have the role ``window``; which desk an account sits at is kept in ``window_staff``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, Row, text
from sqlalchemy.exc import IntegrityError

from gis.messages import Message, Text, phrases
from projects import audit
from projects.access import AccessDeniedError, NotFoundError, require_role
from projects.accounts import Account, AccountError, Role, create_account
from projects.clock import NOW_SQL, beijing_today, now_parameter
from projects.departments import load_directory
from projects.supervision.clocks import item_clock
from projects.supervision.coded import project_for_item
from projects.supervision.errors import SupervisionConflictError, SupervisionInputError
from projects.supervision.files import DOCUMENT_TYPES, check_file
from projects.supervision.items import acts_for, item_times, record_acceptance, responsible_department
from projects.supervision.settings import supervision_settings
from projects.supervision.stages import ITEM_TYPES, item_type
from projects.supervision.workdays import load_calendar


@dataclass(frozen=True)
class Window:
    """An acceptance desk (受理窗口) of an administrative service centre (行政服务中心)."""

    slug: str
    name_zh: str
    name_en: str
    level: str
    """``city`` (市级) or ``district`` (区级)."""
    division_code: str
    """GB/T 2260 code of the city or district it serves (/work/shared/data/xiamen admin codes)."""

    def to_dict(self) -> dict[str, str]:
        return {"window": self.slug, "zh": self.name_zh, "en": self.name_en, "level": self.level,
                "division_code": self.division_code}


WINDOWS: dict[str, Window] = {w.slug: w for w in (
    Window("xiamen", "厦门市行政服务中心", "Xiamen Administrative Service Center", "city", "350200"),
    Window("siming", "思明区行政服务中心", "Siming District Administrative Service Center", "district", "350203"),
    Window("haicang", "海沧区行政服务中心", "Haicang District Administrative Service Center", "district", "350205"),
    Window("huli", "湖里区行政服务中心", "Huli District Administrative Service Center", "district", "350206"),
    Window("jimei", "集美区行政服务中心", "Jimei District Administrative Service Center", "district", "350211"),
    Window("tongan", "同安区行政服务中心", "Tong'an District Administrative Service Center", "district", "350212"),
    Window("xiangan", "翔安区行政服务中心", "Xiang'an District Administrative Service Center", "district", "350213"),
)}

phrases(
    "window",
    unknown=Text("没有名为“{slug}”的受理窗口；可用窗口：{known}", "there is no window {slug!r}; one of {known}"),
    seated=Text("账号“{username}”已在受理窗口“{window}”", "account {username!r} already sits at window {window!r}"),
    no_desk=Text("该窗口账号尚未分配到受理窗口", "this window account is not assigned to a window"),
    other_desk=Text("窗口受理{id}由{window}办理", "window acceptance {id} belongs to {window}"),
    no_acceptance=Text("没有编号为{id}的窗口受理记录。", "There is no window acceptance {id}."),
    no_material=Text("没有编号为{id}的受理材料。", "There is no accepted material {id}."),
    not_owner=Text("“{department}”不负责{kind}；该事项应转交{owner}",
                   "{department} is not responsible for {kind}; forward it to {owner}"),
    forwarded=Text("窗口受理{id}已于{day}转交{department}；转交记录不可更改",
                   "window acceptance {id} was forwarded to {department} on {day}; a forwarding is final"),
    forwarded_files=Text("窗口受理{id}已于{day}转交；转交后不能追加电子材料",
                         "window acceptance {id} was forwarded on {day}; no file is added after forwarding"),
    nothing=Text("窗口受理{id}还没有材料：请先上传电子材料或登记纸质材料邮寄",
                 "window acceptance {id} has no materials yet: upload a file or record the mailing first"),
    not_forwarded=Text("窗口受理{id}尚未转交，无从签收",
                       "window acceptance {id} is not forwarded yet, so not received"),
    received=Text("窗口受理{id}已于{day}签收", "window acceptance {id} was received on {day}"),
    mailed=Text("窗口受理{id}的纸质材料已于{day}寄出（邮件号{number}）；邮寄记录不可更改",
                "the paper materials of window acceptance {id} were mailed on {day} ({number}); a mailing is final"),
    not_mailed=Text("窗口受理{id}没有纸质材料邮寄记录", "window acceptance {id} has no mailing of paper materials"),
    mail_received=Text("窗口受理{id}的纸质材料已于{day}签收",
                       "the paper materials of window acceptance {id} were received on {day}"),
    tracking=Text("邮件号应为13位数字，或如EA123456789CN的国际格式；收到的是“{value}”",
                  "a tracking number has 13 digits or the form EA123456789CN, not {value!r}"),
    tracking_check=Text("邮件号{number}的校验位不符，请核对", "the check digit of tracking number {number} is wrong"),
    future=Text("{day}晚于今天（今天是{today}）", "{day} is in the future (today is {today})"),
    before=Text("{day}早于{step}之日{start}", "{day} is before the {step} on {start}"),
    step_accepted=Text("窗口受理", "window's acceptance"),
    step_forwarded=Text("转交", "forwarding"),
    step_mailed=Text("寄出", "mailing"),
    responsible=Text("{action}须由责任部门{department}办理",
                     "{action} is for the responsible department, {department}"),
    contact=Text("联系人及电话最多200个字符", "the contact has at most 200 characters"),
    same_file=Text("该文件已上传到窗口受理{id}", "this file is already uploaded to window acceptance {id}"),
)

_ACCEPTANCE_COLUMNS = (
    "w.id AS acceptance_id, w.window_slug, w.accepted_on AS window_accepted_on, w.accepted_by, w.applicant_contact, "
    "w.forwarded_on, w.forwarded_to, w.received_on, w.mail_tracking_number, w.mail_sent_on, w.mail_received_on, "
    "i.id, i.item_type, i.department, i.accepted_on, i.limit_working_days, i.decided_on, i.result, i.note, "
    "i.proposal_id, p.project_code, p.name AS project_name, a.username AS accepted_by_username, "
    "a.display_name AS accepted_by_name")
_FROM = ("FROM window_acceptances w JOIN approval_items i ON i.id = w.item_id JOIN proposals p ON p.id = i.proposal_id "
         "JOIN accounts a ON a.id = w.accepted_by")


def _name(zh: str, en: str) -> Text:
    return Text(zh, f"{en} ({zh})")


def _department_name(connection: Connection, slug: str) -> Text:
    return load_directory(connection).name(slug)


def assign_window(connection: Connection, account: Account, slug: str, *, by: str = "command line") -> None:
    """Seat a window account at the desk ``slug``, once (audited); seating it again there changes nothing, at
    another desk is refused, as is an account of another role."""
    if account.role is not Role.WINDOW:
        raise AccountError(Message("window.no_desk"))
    if slug not in WINDOWS:
        raise AccountError(Message("window.unknown", slug=slug, known=list(WINDOWS)))
    seated = _seat(connection, account)
    if seated is not None and seated != slug:
        raise AccountError(Message("window.seated", username=account.username, window=seated))
    if seated is None:
        connection.execute(text("INSERT INTO window_staff (account_id, window_slug) VALUES (:a, :w)"),
                           {"a": account.id, "w": slug})
        audit.record(connection, actor=None, action="window_staff",
                     after={"account_id": account.id, "username": account.username, "window": slug, "by": by})


def create_window_account(connection: Connection, *, username: str, secret: str, window_slug: str,
                          display_name: str | None = None, by: str = "command line") -> Account:
    """A new account of role ``window`` seated at the desk ``window_slug``."""
    if window_slug not in WINDOWS:
        raise AccountError(Message("window.unknown", slug=window_slug, known=list(WINDOWS)))
    account = create_account(connection, username=username, secret=secret, role=Role.WINDOW,
                             display_name=display_name, by=by)
    assign_window(connection, account, window_slug, by=by)
    return account


def _seat(connection: Connection, account: Account) -> str | None:
    """The slug of the desk a window account sits at, if any."""
    return connection.execute(text("SELECT window_slug FROM window_staff WHERE account_id = :a"),
                              {"a": account.id}).scalar_one_or_none()


def desk_of(connection: Connection, actor: Account | None, action: Text) -> Window:
    """The desk of a window account (admins too are refused: a desk's acts are its staff's)."""
    require_role(actor, Role.WINDOW, action=action, admin_may=False)
    assert actor is not None
    slug = _seat(connection, actor)
    if slug is None:
        raise AccessDeniedError(Message("window.no_desk"))
    return WINDOWS[slug]


def _check_day(field: str, day: dt.date, *, after: dt.date, step: str) -> None:
    """``day`` is today or earlier (Beijing time), and not before the step it follows."""
    today = beijing_today()
    if day > today:
        raise SupervisionInputError(field, Message("window.future", day=day.isoformat(), today=today.isoformat()))
    if day < after:
        raise SupervisionInputError(field, Message("window.before", day=day.isoformat(), start=after.isoformat(),
                                                   step=Message(f"window.step_{step}")))


_S10 = re.compile(r"[A-Z]{2}(\d{8})(\d)[A-Z]{2}")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def tracking_number(value: str) -> str:
    """A postal tracking number (邮件号) as stored: EMS's 13 digits, or UPU S10 (two letters, eight digits, a check
    digit, the country: EA123456785CN) whose check digit must hold."""
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()
    if re.fullmatch(r"\d{13}", number):
        return number
    match = _S10.fullmatch(number)
    if match is None:
        raise SupervisionInputError("tracking_number", Message("window.tracking", value=value))
    if int(match[2]) != s10_check_digit(match[1]):
        raise SupervisionInputError("tracking_number", Message("window.tracking_check", number=number))
    return number


def s10_check_digit(serial: str) -> int:
    """The check digit of an eight-digit UPU S10 serial: weights 8 6 4 2 3 5 9 7, 11 minus the sum mod 11,
    10 read as 0 and 11 as 5."""
    check = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def accept_for(connection: Connection, actor: Account | None, *, project_code: str, item_type_key: str,
               accepted_on: dt.date, applicant_contact: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Accept at the actor's window an application for ``item_type_key`` of a coded project, on behalf of the
    department responsible for it (代收代办): the item opens with ``accepted_on`` as its acceptance day."""
    action = Text("窗口代收受理", "accepting at a window")
    desk = desk_of(connection, actor, action)
    assert actor is not None
    kind = item_type(item_type_key)
    contact = (applicant_contact or "").strip() or None
    if contact is not None and len(contact) > 200:
        raise SupervisionInputError("applicant_contact", Message("window.contact"))
    project = project_for_item(connection, actor, project_code=project_code, proposal_id=None)
    department = responsible_department(connection, kind, project)
    item_id = record_acceptance(connection, actor, kind, project, department, accepted_on, note=note)
    acceptance_id = connection.execute(
        text("INSERT INTO window_acceptances (item_id, window_slug, accepted_on, accepted_by, applicant_contact, "
             f"created_at) VALUES (:i, :w, :a, :by, :c, {NOW_SQL}) RETURNING id"),
        {"i": item_id, "w": desk.slug, "a": accepted_on, "by": actor.id, "c": contact, **now_parameter()},
    ).scalar_one()
    audit.record(connection, actor=actor, action="window_accept", proposal_id=project.id,
                 after={"acceptance_id": acceptance_id, "item_id": item_id, "window": desk.slug,
                        "item_type": kind.key, "department": department, "accepted_on": accepted_on})
    return acceptance_detail(connection, actor, acceptance_id)


def _may_see(connection: Connection, actor: Account | None, row: Row[Any]) -> bool:
    """The desk that accepted it, the department responsible, the NDRC and admins."""
    if actor is None:
        return False
    if actor.role is Role.WINDOW:
        return _seat(connection, actor) == row.window_slug
    return actor.holds(Role.NDRC) or acts_for(actor, row.department)


def _load(connection: Connection, actor: Account | None, acceptance_id: int, *, lock: bool = False) -> Row[Any]:
    row = connection.execute(
        text(f"SELECT {_ACCEPTANCE_COLUMNS} {_FROM} WHERE w.id = :id" + (" FOR UPDATE OF w" if lock else "")),
        {"id": acceptance_id}).one_or_none()
    if row is None or not _may_see(connection, actor, row):
        raise NotFoundError(Message("window.no_acceptance", id=acceptance_id))
    return row


def _own_desk(connection: Connection, actor: Account | None, row: Row[Any], action: Text) -> Window:
    desk = desk_of(connection, actor, action)
    if desk.slug != row.window_slug:
        owner = WINDOWS[row.window_slug]
        raise AccessDeniedError(Message("window.other_desk", id=row.acceptance_id,
                                        window=_name(owner.name_zh, owner.name_en)))
    return desk


def _responsible(connection: Connection, actor: Account | None, row: Row[Any], action: Text) -> Account:
    require_role(actor, Role.DEPARTMENT, Role.NDRC, action=action)
    assert actor is not None
    if not acts_for(actor, row.department):
        raise AccessDeniedError(Message("window.responsible", action=action,
                                        department=_department_name(connection, row.department)))
    return actor


def add_material(connection: Connection, actor: Account | None, acceptance_id: int, *, filename: str | None,
                 content_type: str | None, content: bytes) -> dict[str, Any]:
    """Upload one electronic material (PDF, OFD, JPEG or PNG) of an acceptance, before it is forwarded."""
    row = _load(connection, actor, acceptance_id, lock=True)
    _own_desk(connection, actor, row, Text("上传受理材料", "uploading a material"))
    assert actor is not None
    if row.forwarded_on is not None:
        raise SupervisionConflictError(Message("window.forwarded_files", id=acceptance_id, day=str(row.forwarded_on)))
    checked = check_file(content, content_type, filename, allowed=DOCUMENT_TYPES,
                         max_bytes=supervision_settings().max_document_bytes, field="file")
    savepoint = connection.begin_nested()
    try:
        material_id = connection.execute(
            text("INSERT INTO window_materials (acceptance_id, filename, content_type, size_bytes, sha256, content, "
                 f"uploaded_by, created_at) VALUES (:w, :f, :t, :s, :h, :c, :by, {NOW_SQL}) RETURNING id"),
            {"w": acceptance_id, "f": checked.filename, "t": checked.content_type, "s": len(checked.content),
             "h": checked.sha256, "c": checked.content, "by": actor.id, **now_parameter()},
        ).scalar_one()
    except IntegrityError as error:
        savepoint.rollback()
        if isinstance(error.orig, UniqueViolation):
            raise SupervisionConflictError(Message("window.same_file", id=acceptance_id)) from None
        raise
    audit.record(connection, actor=actor, action="window_material", proposal_id=row.proposal_id,
                 after={"acceptance_id": acceptance_id, "material_id": material_id, "filename": checked.filename,
                        "sha256": checked.sha256, "size_bytes": len(checked.content)})
    return acceptance_detail(connection, actor, acceptance_id)


def forward(connection: Connection, actor: Account | None, acceptance_id: int, *, department: str,
            forwarded_on: dt.date) -> dict[str, Any]:
    """Forward (转交) an acceptance and its materials to the department responsible for its item, once."""
    row = _load(connection, actor, acceptance_id, lock=True)
    _own_desk(connection, actor, row, Text("转交受理材料", "forwarding an application"))
    assert actor is not None
    if row.forwarded_on is not None:
        raise SupervisionConflictError(Message("window.forwarded", id=acceptance_id, day=str(row.forwarded_on),
                                               department=_department_name(connection, row.forwarded_to)))
    if department != row.department:
        kind = ITEM_TYPES[row.item_type]
        raise SupervisionInputError("department", Message(
            "window.not_owner", department=_department_name(connection, department),
            kind=_name(kind.name_zh, kind.name_en), owner=_department_name(connection, row.department)))
    _check_day("forwarded_on", forwarded_on, after=row.window_accepted_on, step="accepted")
    files = connection.execute(text("SELECT count(*) FROM window_materials WHERE acceptance_id = :w"),
                               {"w": acceptance_id}).scalar_one()
    if not files and row.mail_sent_on is None:
        raise SupervisionConflictError(Message("window.nothing", id=acceptance_id))
    connection.execute(
        text("UPDATE window_acceptances SET forwarded_on = :d, forwarded_to = :to, forwarded_by = :by WHERE id = :id"),
        {"d": forwarded_on, "to": department, "by": actor.id, "id": acceptance_id})
    audit.record(connection, actor=actor, action="window_forward", proposal_id=row.proposal_id,
                 before={"acceptance_id": acceptance_id, "forwarded_on": None},
                 after={"acceptance_id": acceptance_id, "forwarded_on": forwarded_on, "forwarded_to": department,
                        "materials": files})
    return acceptance_detail(connection, actor, acceptance_id)


@dataclass(frozen=True)
class _Receipt:
    """What the responsible department confirms it received: the columns it fills, the step it follows."""

    column: str
    by_column: str
    after_column: str
    step: str
    missing: str
    twice: str
    audit_action: str


_FORWARDED = _Receipt("received_on", "received_by", "forwarded_on", "forwarded", "window.not_forwarded",
                      "window.received", "window_receive")
_MAILED = _Receipt("mail_received_on", "mail_received_by", "mail_sent_on", "mailed", "window.not_mailed",
                   "window.mail_received", "window_mail_receive")


def _confirm(connection: Connection, actor: Account | None, acceptance_id: int, received_on: dt.date,
             receipt: _Receipt, action: Text) -> dict[str, Any]:
    """The responsible department records, once, the day something arrived, on or after the day it was sent."""
    row = _load(connection, actor, acceptance_id, lock=True)
    actor = _responsible(connection, actor, row, action)
    sent_on = getattr(row, receipt.after_column)
    if sent_on is None:
        raise SupervisionConflictError(Message(receipt.missing, id=acceptance_id))
    if getattr(row, receipt.column) is not None:
        raise SupervisionConflictError(Message(receipt.twice, id=acceptance_id, day=str(getattr(row, receipt.column))))
    _check_day("received_on", received_on, after=sent_on, step=receipt.step)
    connection.execute(text(f"UPDATE window_acceptances SET {receipt.column} = :d, {receipt.by_column} = :by "
                            "WHERE id = :id"), {"d": received_on, "by": actor.id, "id": acceptance_id})
    audit.record(connection, actor=actor, action=receipt.audit_action, proposal_id=row.proposal_id,
                 before={"acceptance_id": acceptance_id, receipt.column: None},
                 after={"acceptance_id": acceptance_id, receipt.column: received_on})
    return acceptance_detail(connection, actor, acceptance_id)


def receive(connection: Connection, actor: Account | None, acceptance_id: int, *,
            received_on: dt.date) -> dict[str, Any]:
    """The responsible department confirms receipt (签收) of a forwarded acceptance, once."""
    return _confirm(connection, actor, acceptance_id, received_on, _FORWARDED,
                    Text("签收窗口转交的材料", "receiving a forwarded application"))


def record_mailing(connection: Connection, actor: Account | None, acceptance_id: int, *, tracking: str,
                   sent_on: dt.date) -> dict[str, Any]:
    """The window mails the paper materials free of charge (免费邮寄): tracking number and day sent, once."""
    row = _load(connection, actor, acceptance_id, lock=True)
    _own_desk(connection, actor, row, Text("登记纸质材料邮寄", "recording the mailing"))
    assert actor is not None
    if row.mail_sent_on is not None:
        raise SupervisionConflictError(Message("window.mailed", id=acceptance_id, day=str(row.mail_sent_on),
                                               number=row.mail_tracking_number))
    number = tracking_number(tracking)
    _check_day("sent_on", sent_on, after=row.window_accepted_on, step="accepted")
    connection.execute(
        text("UPDATE window_acceptances SET mail_tracking_number = :n, mail_sent_on = :d WHERE id = :id"),
        {"n": number, "d": sent_on, "id": acceptance_id})
    audit.record(connection, actor=actor, action="window_mail", proposal_id=row.proposal_id,
                 before={"acceptance_id": acceptance_id, "mail_sent_on": None},
                 after={"acceptance_id": acceptance_id, "tracking_number": number, "mail_sent_on": sent_on})
    return acceptance_detail(connection, actor, acceptance_id)


def receive_mail(connection: Connection, actor: Account | None, acceptance_id: int, *,
                 received_on: dt.date) -> dict[str, Any]:
    """The responsible department confirms the paper materials arrived, once, on or after the day sent."""
    return _confirm(connection, actor, acceptance_id, received_on, _MAILED,
                    Text("签收纸质材料", "receiving the paper materials"))


def material_file(connection: Connection, actor: Account | None, material_id: int) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of a material, for the desk, the responsible department and the NDRC."""
    found = connection.execute(text("SELECT acceptance_id, filename, content_type, content FROM window_materials "
                                    "WHERE id = :id"), {"id": material_id}).one_or_none()
    if found is None:
        raise NotFoundError(Message("window.no_material", id=material_id))
    try:
        _load(connection, actor, found.acceptance_id)
    except NotFoundError:
        raise NotFoundError(Message("window.no_material", id=material_id)) from None
    return found.filename, found.content_type, bytes(found.content)


def _status(row: Row[Any]) -> str:
    """Where an acceptance stands: accepted, forwarded, received (by the department) or decided."""
    if row.decided_on is not None:
        return "decided"
    if row.received_on is not None:
        return "received"
    return "forwarded" if row.forwarded_on is not None else "accepted"


def _rows_to_dicts(connection: Connection, rows: list[Row[Any]], as_of: dt.date) -> list[dict[str, Any]]:
    times = item_times(connection, rows)
    calendar = load_calendar(connection)
    materials: dict[int, list[dict[str, Any]]] = {}
    for m in connection.execute(
        text("SELECT id, acceptance_id, filename, content_type, size_bytes, sha256, created_at FROM window_materials "
             "WHERE acceptance_id = ANY(:ids) ORDER BY id"), {"ids": [r.acceptance_id for r in rows]},
    ).all():
        materials.setdefault(m.acceptance_id, []).append(
            {"id": m.id, "filename": m.filename, "content_type": m.content_type, "size_bytes": m.size_bytes,
             "sha256": m.sha256, "uploaded_at": m.created_at.isoformat(),
             "url": f"/api/v1/windows/materials/{m.id}/file"})
    result = []
    directory = load_directory(connection)
    for r in rows:
        kind, department, desk = ITEM_TYPES[r.item_type], directory.summary(r.department), WINDOWS[r.window_slug]
        result.append({
            "id": r.acceptance_id, "item_id": r.id, "project_code": r.project_code, "project_name": r.project_name,
            "item_type": kind.key, "zh": kind.name_zh, "en": kind.name_en, "department": r.department,
            "department_zh": department["zh"], "department_en": department["en"],
            "window": desk.to_dict(), "accepted_on": r.accepted_on.isoformat(),
            "accepted_by": r.accepted_by_name or r.accepted_by_username, "applicant_contact": r.applicant_contact,
            "note": r.note, "status": _status(r),
            "forwarded_on": r.forwarded_on.isoformat() if r.forwarded_on else None, "forwarded_to": r.forwarded_to,
            "received_on": r.received_on.isoformat() if r.received_on else None,
            "mail": {"tracking_number": r.mail_tracking_number, "sent_on": r.mail_sent_on.isoformat(),
                     "received_on": r.mail_received_on.isoformat() if r.mail_received_on else None}
            if r.mail_sent_on else None,
            "materials": materials.get(r.acceptance_id, []),
            "decided_on": r.decided_on.isoformat() if r.decided_on else None, "result": r.result,
            "clock": item_clock(calendar, times[r.id], as_of),
        })
    return result


def acceptance_detail(connection: Connection, actor: Account | None, acceptance_id: int,
                      as_of: dt.date | None = None) -> dict[str, Any]:
    """One acceptance with its item's clock, materials, forwarding, receipt and mailing."""
    return _rows_to_dicts(connection, [_load(connection, actor, acceptance_id)], as_of or beijing_today())[0]


def work_list(connection: Connection, actor: Account | None, as_of: dt.date | None = None) -> dict[str, Any]:
    """A window's work list: what it accepted for other departments and where each stands, newest first."""
    desk = desk_of(connection, actor, Text("查看窗口工作清单", "reading a window's work list"))
    rows = connection.execute(text(f"SELECT {_ACCEPTANCE_COLUMNS} {_FROM} WHERE w.window_slug = :w "
                                   "ORDER BY w.accepted_on DESC, w.id DESC"), {"w": desk.slug}).all()
    as_of = as_of or beijing_today()
    return {"window": desk.to_dict(), "as_of": as_of.isoformat(),
            "acceptances": _rows_to_dicts(connection, rows, as_of)}


def incoming(connection: Connection, actor: Account | None, as_of: dt.date | None = None) -> dict[str, Any]:
    """What windows accepted for the actor's department (the NDRC's own items for the NDRC, all for an admin),
    each with the window's name; those still to receive first."""
    require_role(actor, Role.DEPARTMENT, Role.NDRC, action=Text("查看窗口转来的事项", "reading items from windows"))
    assert actor is not None
    departments = [slug for slug in load_directory(connection).departments if acts_for(actor, slug)]
    rows = connection.execute(
        text(f"SELECT {_ACCEPTANCE_COLUMNS} {_FROM} WHERE i.department = ANY(:d) "
             "ORDER BY (w.forwarded_on IS NOT NULL AND w.received_on IS NULL) DESC, w.accepted_on DESC, w.id DESC"),
        {"d": departments}).all()
    as_of = as_of or beijing_today()
    return {"departments": departments, "as_of": as_of.isoformat(),
            "acceptances": _rows_to_dicts(connection, rows, as_of)}
