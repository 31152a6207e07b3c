"""Chinese working days (工作日) for approval deadlines: public holidays and make-up working days (调休) included.

Where a year's calendar comes from, in order:

1. a State Council holiday notice (国务院办公厅关于某年部分节假日安排的通知) entered by an admin — it wins for its
   year, because an admin entered the official text deliberately (a year the package does not know yet, or a
   notice that changed after the package was released);
2. the ``chinese-calendar`` package, for the years it has data (read from its tables at run time: it has no
   data past its last year and raises for such dates);
3. nothing: the days of such a year are counted Monday–Friday, and every result touching them is
   ``provisional`` with a reason in words — never silently weekends-only.

Counting convention (期间开始的当日不计入期间): a limit of *n* working days from an acceptance date ends on the
*n*-th working day after that date; the working days elapsed between dates *a* and *b* are those in (a, b].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import chinese_calendar
from chinese_calendar import constants as calendar_tables
from sqlalchemy import Connection, text

from gis.messages import Message, Text
from projects import audit
from projects.access import require_role
from projects.accounts import Account, Role
from projects.supervision.errors import SupervisionInputError

PACKAGE_VERSION = version("chinesecalendar")
PACKAGE_YEARS = range(min(calendar_tables.holidays).year, max(calendar_tables.holidays).year + 1)
"""The years chinese-calendar has data for (its own bounds, read from its tables)."""
NOTICE_YEARS = range(2000, 2201)
SOURCE_NOTICE = "state_council_notice"
SOURCE_PACKAGE = "chinese_calendar"


def no_data_reason(years: Iterable[int]) -> dict[str, str]:
    """Why a result is provisional, in words (zh and en)."""
    listed = ", ".join(str(y) for y in sorted(set(years)))
    package = f"chinese-calendar {PACKAGE_VERSION} covers {PACKAGE_YEARS[0]}–{PACKAGE_YEARS[-1]}"
    return {
        "en": f"No holiday calendar for {listed}: {package} and no State Council holiday notice for {listed} has "
              "been entered. Its days were counted Monday to Friday, so public holidays and make-up working days "
              "are missing and the date may move once an admin enters the notice (the page /supervision/calendar, "
              "or PUT /api/v1/supervision/calendar/{year}).",
        "zh": f"{listed}年尚无节假日安排数据（chinese-calendar {PACKAGE_VERSION} 仅含 {PACKAGE_YEARS[0]}–"
              f"{PACKAGE_YEARS[-1]} 年，且未录入国务院办公厅该年节假日安排通知），暂按周一至周五计算工作日，"
              "管理员在“节假日安排”页面（/supervision/calendar）录入通知后期限可能变化。",
    }


@dataclass(frozen=True)
class NoticeYear:
    """One year's State Council notice: its holidays (date → name) and make-up working days (调休上班)."""

    year: int
    holidays: Mapping[dt.date, str]
    workdays: frozenset[dt.date]


@dataclass(frozen=True)
class Deadline:
    """The date a limit of ``working_days`` from ``start`` ends on; provisional if it crossed a year without data."""

    start: dt.date
    working_days: int
    due: dt.date
    years_without_data: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.years_without_data)

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "working_days": self.working_days, "due": self.due.isoformat(),
                **provisional_fields(self.years_without_data)}


@dataclass(frozen=True)
class Elapsed:
    """Working days in (start, end]; provisional if any of them lies in a year without data."""

    working_days: int
    years_without_data: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.years_without_data)


def provisional_fields(years_without_data: Iterable[int]) -> dict[str, Any]:
    """``provisional`` and, when set, the years and the reason in words."""
    years = sorted(set(years_without_data))
    if not years:
        return {"provisional": False}
    return {"provisional": True, "years_without_data": years, "provisional_reason": no_data_reason(years)}


@dataclass
class WorkingCalendar:
    """Working days from the stored notices and the package; see the module docstring for precedence."""

    notices: Mapping[int, NoticeYear] = field(default_factory=dict)

    def source(self, year: int) -> str | None:
        """``state_council_notice``, ``chinese_calendar`` or None (no data: counted Monday–Friday)."""
        if year in self.notices:
            return SOURCE_NOTICE
        if year in PACKAGE_YEARS:
            return SOURCE_PACKAGE
        return None

    def is_working_day(self, day: dt.date) -> bool:
        """True on a working day; for a year without data, Monday to Friday (callers flag it provisional)."""
        notice = self.notices.get(day.year)
        if notice is not None:
            if day in notice.workdays:
                return True
            return day.weekday() < 5 and day not in notice.holidays
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, working_days: int) -> Deadline:
        """The ``working_days``-th working day after ``start`` (``start`` itself is not counted)."""
        if working_days < 0:
            raise ValueError("a limit counts zero or more working days")
        day, counted, unknown = start, 0, set()
        while counted < working_days:
            day += dt.timedelta(days=1)
            if self.source(day.year) is None:
                unknown.add(day.year)
            if self.is_working_day(day):
                counted += 1
        return Deadline(start, working_days, day, tuple(sorted(unknown)))

    def working_days_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The working days in (start, end], oldest first; empty when ``end`` is not after ``start``."""
        days = []
        day = start + dt.timedelta(days=1)
        while day <= end:
            if self.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def years_without_data(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """The years of the span (start, end] that have no calendar data."""
        if end <= start:
            return ()
        first = (start + dt.timedelta(days=1)).year
        return tuple(y for y in range(first, end.year + 1) if self.source(y) is None)

    def elapsed(self, start: dt.date, end: dt.date) -> Elapsed:
        """How many working days lie in (start, end]."""
        return Elapsed(len(self.working_days_between(start, end)), self.years_without_data(start, end))


def load_calendar(connection: Connection) -> WorkingCalendar:
    """The package's data plus every stored State Council notice."""
    rows = connection.execute(text("SELECT year, day, kind, name FROM calendar_days ORDER BY day")).all()
    years = {r.year for r in connection.execute(text("SELECT year FROM calendar_notices")).all()}
    holidays: dict[int, dict[dt.date, str]] = {y: {} for y in years}
    workdays: dict[int, set[dt.date]] = {y: set() for y in years}
    for row in rows:
        if row.kind == "holiday":
            holidays[row.year][row.day] = row.name or ""
        else:
            workdays[row.year].add(row.day)
    return WorkingCalendar({y: NoticeYear(y, holidays[y], frozenset(workdays[y])) for y in years})


def calendar_status(connection: Connection, today: dt.date) -> dict[str, Any]:
    """Which years have data from where, the stored notices, and whether next year still needs its notice."""
    notices = connection.execute(
        text("SELECT n.year, n.title, n.document_number, n.published_on, n.created_at, a.username AS entered_by, "
             "count(*) FILTER (WHERE d.kind = 'holiday') AS holidays, "
             "count(*) FILTER (WHERE d.kind = 'workday') AS workdays "
             "FROM calendar_notices n LEFT JOIN calendar_days d ON d.year = n.year "
             "LEFT JOIN accounts a ON a.id = n.entered_by GROUP BY n.year, a.username ORDER BY n.year")
    ).all()
    calendar = load_calendar(connection)
    ahead = [today.year, today.year + 1]
    return {
        "package": {"name": "chinese-calendar", "version": PACKAGE_VERSION,
                    "first_year": PACKAGE_YEARS[0], "last_year": PACKAGE_YEARS[-1]},
        "notices": [{"year": n.year, "title": n.title, "document_number": n.document_number,
                     "published_on": n.published_on.isoformat() if n.published_on else None,
                     "entered_by": n.entered_by, "entered_at": n.created_at.isoformat(),
                     "holiday_count": n.holidays, "workday_count": n.workdays,
                     "overrides_package": n.year in PACKAGE_YEARS} for n in notices],
        "years": [{"year": y, "source": calendar.source(y)} for y in ahead],
        "years_without_data": [y for y in ahead if calendar.source(y) is None],
    }


def enter_notice(
    connection: Connection,
    actor: Account | None,
    *,
    year: int,
    title: str,
    document_number: str | None,
    published_on: dt.date | None,
    holidays: list[tuple[dt.date, str]],
    workdays: list[dt.date],
) -> dict[str, Any]:
    """Store (or replace) the State Council holiday notice of ``year``: holidays and make-up working days.

    Every date lies in ``year``; a make-up working day (调休上班) is a Saturday or Sunday and not a holiday.
    """
    require_role(actor, Role.ADMIN, action=Text("录入国务院节假日安排", "entering a State Council holiday notice"))
    if year not in NOTICE_YEARS:
        raise SupervisionInputError("year", Message("supervision.year", first=NOTICE_YEARS[0], last=NOTICE_YEARS[-1]))
    if not title or not title.strip():
        raise SupervisionInputError("title", Message("supervision.notice_title"))
    if not holidays:
        raise SupervisionInputError("holidays", Message("supervision.holidays"))
    holiday_days = [day for day, _ in holidays]
    for name, days in (("holidays", holiday_days), ("workdays", workdays)):
        stray = [d.isoformat() for d in days if d.year != year]
        if stray:
            raise SupervisionInputError(name, Message("supervision.other_year", year=year, days=stray))
        repeated = sorted({d.isoformat() for d in days if days.count(d) > 1})
        if repeated:
            raise SupervisionInputError(name, Message("supervision.twice", days=repeated))
    both = sorted(d.isoformat() for d in set(holiday_days) & set(workdays))
    if both:
        raise SupervisionInputError("workdays", Message("supervision.both", days=both))
    weekdays = [d.isoformat() for d in workdays if d.weekday() < 5]
    if weekdays:
        raise SupervisionInputError("workdays", Message("supervision.weekdays", days=weekdays))
    before = connection.execute(
        text("SELECT title, (SELECT count(*) FROM calendar_days d WHERE d.year = n.year) AS days "
             "FROM calendar_notices n WHERE year = :y FOR UPDATE"), {"y": year}
    ).one_or_none()
    connection.execute(text("DELETE FROM calendar_notices WHERE year = :y"), {"y": year})
    connection.execute(
        text("INSERT INTO calendar_notices (year, title, document_number, published_on, entered_by) "
             "VALUES (:y, :t, :n, :p, :a)"),
        {"y": year, "t": title.strip(), "n": (document_number or "").strip() or None, "p": published_on,
         "a": actor.id if actor else None},
    )
    connection.execute(
        text("INSERT INTO calendar_days (year, day, kind, name) VALUES (:y, :d, :k, :n)"),
        [{"y": year, "d": d, "k": "holiday", "n": name.strip() or None} for d, name in holidays]
        + [{"y": year, "d": d, "k": "workday", "n": None} for d in workdays],
    )
    after = {"year": year, "title": title.strip(), "document_number": document_number,
             "holidays": [d.isoformat() for d in sorted(holiday_days)],
             "workdays": [d.isoformat() for d in sorted(workdays)]}
    audit.record(connection, actor=actor, action="calendar_notice",
                 before={"title": before.title, "days": before.days} if before else None, after=after)
    return {**after, "replaced": before is not None, "overrides_package": year in PACKAGE_YEARS}
