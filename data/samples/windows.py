"""The demo history of one-window acceptance (一口受理): a few coded projects whose soil-and-water conservation
plan or flood impact assessment (items of the city water bureau) was applied for at their district's
administrative service centre, pushed, mailed, forwarded and received on the platform — one still waiting to be
forwarded, one decided. Reproducible from the samples' seed, and made once: a second load changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import AbstractContextManager
from random import Random
from typing import Any

from sqlalchemy import Connection, text

from projects.accounts import Account, Role
from projects.clock import BEIJING, replaying
from projects.supervision import windows
from projects.supervision.items import decide_item
from projects.supervision.stages import ITEM_TYPES
from projects.supervision.workdays import WorkingCalendar, load_calendar

WINDOW_ACCOUNTS: list[dict[str, Any]] = [{"username": f"window-{slug}", "role": Role.WINDOW}
                                         for slug in windows.WINDOWS]
"""One demo account per desk (``window-xiamen``, ``window-xiangan``, …), seated by :func:`window_history`."""

_ITEMS = ("soil_water_conservation_plan", "flood_impact_assessment")
"""Water bureau items the projects' own histories never open, so a window may accept them."""
_CONTACTS = ("陈先生", "林女士", "黄先生", "吴女士")


def _material(code: str, item_type: str) -> bytes:
    """A small PDF standing for the application form of ``item_type`` for project ``code``."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            + f"% {code} {item_type}\n".encode() + b"trailer << /Root 1 0 R >>\n%%EOF\n")


def _s10(serial: int) -> str:
    """An EMS tracking number in UPU S10 form, with its check digit."""
    digits = f"{serial:08d}"
    return f"EA{digits}{windows.s10_check_digit(digits)}CN"


def _working_day_back(calendar: WorkingCalendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _next_working_day(calendar: WorkingCalendar, day: dt.date) -> dt.date:
    return calendar.add_working_days(day, 1).due


def _at(day: dt.date, minutes: int) -> AbstractContextManager[None]:
    """Act as on ``day`` in office hours, Beijing time."""
    return replaying(dt.datetime.combine(day, dt.time(10, 0), BEIJING) + dt.timedelta(minutes=minutes))


def window_history(connection: Connection, seed: int, today: dt.date, accounts: Mapping[str, Account]) -> int:
    """Seat the demo window accounts and replay their acceptances; how many acceptances were made."""
    calendar = load_calendar(connection)
    for slug in windows.WINDOWS:
        account = accounts.get(f"window-{slug}")
        if account is not None:
            windows.assign_window(connection, account, slug, by="blueprint samples load")
    if connection.execute(text("SELECT EXISTS (SELECT 1 FROM window_acceptances)")).scalar_one():
        return 0
    by_district = {w.division_code: w.slug for w in windows.WINDOWS.values()}
    candidates = connection.execute(text(
        "SELECT p.project_code, p.district_code, p.coded_at FROM proposals p WHERE p.project_code IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM approval_items i WHERE i.proposal_id = p.id AND i.item_type = ANY(:t)) "
        "ORDER BY p.project_code"), {"t": list(_ITEMS)}).all()
    rng = Random(f"{seed}:windows")
    water = accounts["dept-water"]
    made = 0
    for rank, project in enumerate(rng.sample(candidates, min(4, len(candidates)))):
        desk = accounts.get(f"window-{by_district.get(project.district_code, 'xiamen')}")
        if desk is None:
            continue
        coded_on = project.coded_at.date()
        accepted_on = _working_day_back(calendar, today - dt.timedelta(days=rng.randint(8, 40)))
        if accepted_on <= coded_on:
            continue
        item_type = _ITEMS[rank % len(_ITEMS)]
        contact = f"{_CONTACTS[rank % len(_CONTACTS)]} 0592-5{rng.randint(100000, 999999)}"
        with _at(accepted_on, 20):
            accepted = windows.accept_for(connection, desk, project_code=project.project_code,
                                          item_type_key=item_type, accepted_on=accepted_on, applicant_contact=contact)
            windows.add_material(connection, desk, accepted["id"],
                                 filename=f"{ITEM_TYPES[item_type].name_zh}申请材料.pdf",
                                 content_type="application/pdf",
                                 content=_material(project.project_code, item_type))
            windows.record_mailing(connection, desk, accepted["id"], tracking=_s10(rng.randint(10**7, 10**8 - 1)),
                                   sent_on=accepted_on)
        made += 1
        if rank == 0:
            continue  # accepted and mailed, not yet forwarded
        forwarded_on = _next_working_day(calendar, accepted_on)
        with _at(forwarded_on, 30):
            windows.forward(connection, desk, accepted["id"], department=accepted["department"],
                            forwarded_on=forwarded_on)
        if rank == 1:
            continue  # forwarded, waiting for the bureau to receive it
        received_on = _next_working_day(calendar, forwarded_on)
        with _at(received_on, 60):
            windows.receive(connection, water, accepted["id"], received_on=received_on)
            windows.receive_mail(connection, water, accepted["id"], received_on=received_on)
        if rank == 3:
            decided_on = calendar.add_working_days(received_on, 3).due
            if decided_on < today:
                with _at(decided_on, 200):
                    decide_item(connection, water, accepted["item_id"], decided_on=decided_on, result="approved",
                                document_number=f"厦水审批〔{decided_on.year}〕{301 + rank}号")
    return made
