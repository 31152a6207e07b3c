"""The sample joint feasibility reviews (样例可研联评联审), part of the year of history (:mod:`.history`).

Every sample project approved on the platform got its preliminary work plan with its code. Of the
government-invested ones (审批类), the one coded first has a finished joint review — convened a few working
days after its plan, concluded by the three invited departments (one asking for changes) and approved with
those changes by the NDRC, which decides its feasibility-study item — and the one coded last has a review
under way that waits for natural resources and planning, so the project page shows both states.

Reproducible and idempotent like the rest of the history: the days follow from each plan's issue day in
working days, each step is replayed on its day through the platform's own functions, and a project that
already has a review is left as it is. Invented: the timing, the changes and the document number (厦发改投资
〔年〕号, serial made up); the study is a one-page PDF that says it is a sample.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlalchemy import Connection, text

from projects.accounts import Account, Role
from projects.clock import replaying
from projects.supervision.feasibility import conclude, convene, decide
from projects.supervision.workdays import WorkingCalendar

from .history import moment

INVITED = ("natural_resources", "ecology_environment", "construction")
_CHANGES = {"construction": ["补充海绵城市设计专篇", "核减道路工程投资估算"]}
"""The changes a department asks for (修改后同意); the others agree."""
_CID_FONT = "STSong-Light"
"""A CJK font every PDF reader has (Adobe's Asian font pack), so the sample study embeds no font file."""


def study_pdf(name: str) -> bytes:
    """A one-page feasibility study of ``name``, marked as a sample; the same bytes on every load."""
    pdfmetrics.registerFont(UnicodeCIDFont(_CID_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    page.setFont(_CID_FONT, 18)
    page.drawString(72, 760, f"{name}可行性研究报告")
    page.setFont(_CID_FONT, 11)
    page.drawString(72, 730, "（样例文件：一张蓝图演示数据，非真实报告）")
    page.showPage()
    page.save()
    return buffer.getvalue()


def replay_feasibility_reviews(connection: Connection, accounts: Mapping[str, Account], calendar: WorkingCalendar,
                               last: dt.date) -> int:
    """The sample reviews, each step on its own day up to ``last``; returns how many were convened."""
    # The sample applicants' projects only: a database may hold others (a test's, a pilot's).
    owners = [account.id for account in accounts.values() if account.role is Role.APPLICANT]
    projects = connection.execute(text(
        "SELECT p.id, p.name, p.project_code, w.issued_on FROM proposals p JOIN work_plans w ON w.proposal_id = p.id "
        "WHERE p.project_type = '01' AND p.owner_id = ANY(:owners) ORDER BY w.issued_on, p.id"),
        {"owners": owners}).all()
    if not projects:
        return 0
    made = 0
    chosen = [(projects[0], True)] + ([(projects[-1], False)] if len(projects) > 1 else [])
    for project, finished in chosen:
        if connection.execute(text("SELECT EXISTS (SELECT 1 FROM feasibility_reviews WHERE proposal_id = :p)"),
                              {"p": project.id}).scalar_one():
            continue
        received = calendar.add_working_days(project.issued_on, 6).due
        meeting = calendar.add_working_days(received, 4).due
        concluded = calendar.add_working_days(meeting, 1).due
        decided = calendar.add_working_days(concluded, 2).due
        if (decided if finished else concluded) > last:
            continue
        with replaying(moment(received, 60)):
            convene(connection, accounts["ndrc"], project.project_code, received_on=received, meeting_on=meeting,
                    departments=list(INVITED), filename=f"{project.name}可行性研究报告.pdf",
                    content_type="application/pdf", content=study_pdf(project.name))
        answering = INVITED if finished else INVITED[1:]
        with replaying(moment(concluded, 120)):
            for slug in answering:
                changes = _CHANGES.get(slug)
                conclude(connection, accounts[f"dept-{slug}"], project.project_code, department=slug,
                         conclusion="agree_with_changes" if changes else "agree", changes=changes)
        if finished:
            with replaying(moment(decided, 240)):
                decide(connection, accounts["ndrc"], project.project_code, decided_on=decided,
                       decision="approve_with_changes", changes=[c for cs in _CHANGES.values() for c in cs],
                       document_number=f"厦发改投资〔{decided.year}〕701号")
        made += 1
    return made
