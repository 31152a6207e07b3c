"""Re-screening in batch (批量重新检测): many proposals' current sites screened again, on Dask.

After a layer changed (an impact report names the proposals it touches) or for every live proposal at
once (``blueprint proposals rescreen``). Each proposal is screened again and kept in a transaction of its
own and audited as :func:`projects.proposals.rescreen` does, its audit entry naming the batch; the batch as
a whole is audited once more at the end.

A worker may die after it committed some proposals of its chunk and before it reported them: the scheduler
runs the chunk again elsewhere, and a proposal whose audit trail already holds a re-screening of this
batch is not screened twice: its entry is the answer. So a batch screens each proposal exactly once, on
any number of workers, as a single process would; each result names the layer versions and the rule set
version its screening applied.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine, text

from gis.db import get_engine
from gis.errors import SpatialInputError
from gis.messages import Text
from projects import audit
from projects.access import NotFoundError, require_role
from projects.accounts import Account, Role
from projects.batch import chunks, run_batch
from projects.workflow import EDITABLE_STATES, IllegalTransitionError

PROPOSALS_PER_TASK = 10

_DONE_IN_BATCH = text(
    "SELECT after FROM audit_log WHERE proposal_id = :p AND action = 'rescreen' AND after->>'batch' = :batch "
    "ORDER BY id LIMIT 1")
_LIVE = text("SELECT id FROM proposals WHERE state = ANY(:live) ORDER BY id")


def live_proposals(connection: Connection) -> list[int]:
    """Every proposal that can still change (draft to under review), by id."""
    return list(connection.execute(_LIVE, {"live": [state.value for state in EDITABLE_STATES]}).scalars())


def rescreen_one(connection: Connection, actor: Account, proposal_id: int, batch: str) -> dict[str, Any]:
    """Re-screen one proposal for ``batch`` unless that batch did already; what its audit entry says."""
    from projects.proposals import rescreen_current_site

    connection.execute(text("SELECT 1 FROM proposals WHERE id = :p FOR UPDATE"), {"p": proposal_id})
    done = connection.execute(_DONE_IN_BATCH, {"p": proposal_id, "batch": batch}).scalar_one_or_none()
    if done is None:
        done = rescreen_current_site(connection, actor, proposal_id, batch)
    return {"proposal_id": proposal_id, **{key: value for key, value in done.items() if key != "batch"}}


def rescreen_task(proposal_ids: list[int], database_url: str, actor: Account, batch: str) -> list[dict[str, Any]]:
    """One batch task (on a Dask worker, own connections): each proposal re-screened and committed on its own.
    A proposal that cannot be (it left review meanwhile, its site no longer lies in the planning area, or
    there is no such proposal) is reported ``skipped`` with the reason's slug, and the others go on."""
    engine = get_engine(database_url)
    results = []
    for proposal_id in proposal_ids:
        try:
            with engine.begin() as connection:
                results.append(rescreen_one(connection, actor, proposal_id, batch))
        except IllegalTransitionError as error:
            results.append({"proposal_id": proposal_id, "skipped": f"state-{error.state.value}"})
        except SpatialInputError as error:
            results.append({"proposal_id": proposal_id, "skipped": error.slug})
        except NotFoundError:
            results.append({"proposal_id": proposal_id, "skipped": "not-found"})
    return results


def rescreen_batch(engine: Engine, actor: Account | None, proposal_ids: list[int], *, action: str = "batch_rescreen",
                   reason: dict[str, Any] | None = None, per_task: int = PROPOSALS_PER_TASK, **where: Any
                   ) -> dict[str, Any]:
    """Re-screen ``proposal_ids`` (NDRC) on Dask (``where``: see :func:`projects.batch.run_tasks`,
    ``progress`` counting proposals), then audit the batch as ``action`` with ``reason`` (e.g. the impact
    report's id)."""
    ndrc = require_role(actor, Role.NDRC, action=Text("批量重新检测项目选址", "re-screening proposals in batch"),
                        admin_may=False)
    batch = uuid.uuid4().hex
    url = engine.url.render_as_string(hide_password=False)
    results = run_batch(rescreen_task, chunks(sorted(set(proposal_ids)), per_task), url, ndrc, batch, **where)
    rescreened = [result for result in results if "skipped" not in result]
    skipped = [result for result in results if "skipped" in result]
    with engine.begin() as connection:
        audit.record(connection, actor=ndrc, action=action, after={
            **(reason or {}), "batch": batch, "proposals": [result["proposal_id"] for result in rescreened],
            "screenings": {str(result["proposal_id"]): str(result["screening_id"]) for result in rescreened},
            "skipped": skipped})
    return {"batch": batch, "rescreened": rescreened, "skipped": skipped}
