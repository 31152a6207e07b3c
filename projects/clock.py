"""The platform's moment and day in Beijing time (北京时间), and the replay of an earlier moment.

Every rule that asks what day it is — a project code's month, an item's acceptance and decision, a report's
date, nothing dated in the future — asks here. :func:`replaying` makes the code under it act as at an
earlier moment: the sample loader replays a year of a demo's history through the platform's own
functions, so each rule checks those dates as it would have on the day, and the rows written carry that
moment (``created_at``, ``coded_at``, ``decided_at``…: :data:`NOW_SQL`). No request of the API sets it.
The audit trail keeps the database's own time: it says when an entry was really written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time, UTC+8 with no daylight saving: the calendar of every code and deadline."""

NOW_SQL = "coalesce(CAST(:replayed_at AS timestamptz), now())"
"""The moment a row is written, in SQL: the replayed moment, else the transaction's ``now()``. Bind
:func:`now_parameter` with it."""

_REPLAYED: ContextVar[datetime | None] = ContextVar("replayed_moment", default=None)


def beijing_now() -> datetime:
    """The current moment in Beijing time (the replayed one under :func:`replaying`)."""
    return (_REPLAYED.get() or datetime.now(UTC)).astimezone(BEIJING)


def beijing_today() -> date:
    """Today in Beijing time (the replayed day under :func:`replaying`)."""
    return beijing_now().date()


def now_parameter() -> dict[str, Any]:
    """The bind parameter of :data:`NOW_SQL`: None (the database's ``now()``) unless replaying."""
    return {"replayed_at": _REPLAYED.get()}


@contextmanager
def replaying(moment: datetime) -> Iterator[None]:
    """Act as at ``moment`` (timezone-aware, in the past) until the block ends."""
    if moment.tzinfo is None:
        raise ValueError("a replayed moment names its time zone")
    if moment > datetime.now(UTC):
        raise ValueError(f"{moment.isoformat()} is in the future: only the past is replayed")
    token = _REPLAYED.set(moment)
    try:
        yield
    finally:
        _REPLAYED.reset(token)
