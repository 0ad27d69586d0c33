"""Background tasks run by `manage.py worker` (django-tasks with the database backend).

Enqueue with `task.enqueue(...)`; inside a service, defer it with
`transaction.on_commit(lambda: task.enqueue(...))` so a rolled-back change never starts a job. Each task runs
with its own request id (the task id), so its log lines can be found with the id stored in the task result.
Return values must be JSON: the database backend stores them in `django_tasks_db.DBTaskResult.return_value`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("terang.tasks")


@task()
def ping() -> dict[str, str]:
    """Prove that a worker is running and reaches the database (used by `manage.py worker_check`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"database": connection.vendor, "time": timezone.now().isoformat()}


@task()
def audit_verify_task(chain: str = "all") -> dict[str, Any]:
    """Recompute the audit hash chains (like `manage.py audit_verify`) and report each chain.

    A broken chain is logged at ERROR and reported with `ok: false`; the task itself still succeeds, because the
    verification ran. The result names the first bad record so the audit page can show it.
    """
    # Imported here: terang.audit depends on terang.core, not the other way round.
    from terang.audit.services import CHAINS
    from terang.audit.verify import verify_chain

    names = CHAINS if chain == "all" else (chain,)
    chains = []
    for name in names:
        result = verify_chain(name)
        if not result.ok:
            logger.error(
                "Rantai audit %s rusak: %s", name, result.reason, extra={"first_bad_seq": result.first_bad_seq}
            )
        chains.append(
            {
                "chain": result.chain,
                "ok": result.ok,
                "count": result.count,
                "first_bad_seq": result.first_bad_seq,
                "reason": result.reason,
                "head_seq": result.head_seq,
                "head_hash": result.head_hash,
                "seconds": round(result.seconds, 3),
            }
        )
    return {"ok": all(item["ok"] for item in chains), "chains": chains}
