"""Background tasks of e-Budgeting (run by `manage.py worker`, django-tasks database backend).

Scheduled daily by the worker itself (terang.core.scheduler; no cron needed, times in Asia/Jakarta):

- 00:05 `apply_due_price_changes(today=<date>)`: approved catalogue changes take effect on their date;
- 01:00 `refresh_flags_nightly(day=<date>)`: recompute the red flags of every open fiscal year (not closed).

Each is enqueued exactly once per day even with several workers running (the task result's primary key is derived
from the job name and the date). A worker that was stopped at that time enqueues the job when it starts again the
same day. To run a job by hand: `manage.py shell -c "from terang.budgeting.tasks import apply_due_price_changes as
t; t.enqueue()"` then `manage.py worker --batch`.

On demand: `refresh_flags(fiscal_year_id, organisation_id)` is enqueued by `services.flags.flags_refresh_soon`
after line saves (debounced: not enqueued again while an identical one is still waiting).

Every task is idempotent: applying the due changes twice applies nothing twice; refreshing flags twice changes
nothing the second time (services.flags.flags_refresh).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from terang.core import scheduler


def _context() -> Any:
    """Run as the system (no actor), keeping the worker's request id (= the task id) for the log lines."""
    from terang.core import context

    rid = context.get_request_id()
    return context.use_context(actor=None, request_id=rid if rid and rid != "-" else None)


@task()
def apply_due_price_changes(today: str = "") -> dict[str, Any]:
    """Apply every approved catalogue change whose date has come (`today` as YYYY-MM-DD, default: today in Jakarta)."""
    from .services.catalogue import price_change_apply_due

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    with _context():
        applied = price_change_apply_due(today=day)
    return {"date": day.isoformat(), "applied": applied}


@task()
def refresh_flags(fiscal_year_id: int, organisation_id: int | None = None) -> dict[str, Any]:
    """Recompute the red flags of one agency (or, without `organisation_id`, the whole fiscal year). Skipped when
    the fiscal year or the agency no longer exists or the year is closed."""
    from terang.org.models import Organisation

    from .choices import FiscalYearStatus
    from .models import FiscalYear
    from .services.flags import flags_refresh

    fiscal_year = FiscalYear.objects.filter(pk=fiscal_year_id).first()
    if fiscal_year is None or fiscal_year.status == FiscalYearStatus.CLOSED:
        return {"fiscal_year": fiscal_year_id, "organisation": organisation_id, "skipped": "fiscal_year"}
    organisation = None
    if organisation_id is not None:
        organisation = Organisation.objects.filter(pk=organisation_id, pemda_id=fiscal_year.pemda_id).first()
        if organisation is None:
            return {"fiscal_year": fiscal_year_id, "organisation": organisation_id, "skipped": "organisation"}
    with _context():
        summary = flags_refresh(fiscal_year=fiscal_year, organisation=organisation)
    return {"fiscal_year": fiscal_year_id, "organisation": organisation_id, **summary.as_payload(),
            "seconds": summary.seconds}


@task()
def refresh_flags_nightly(day: str = "") -> dict[str, Any]:
    """Recompute the red flags of every fiscal year that is not closed (each in its own transaction)."""
    from .choices import FiscalYearStatus
    from .models import FiscalYear
    from .services.flags import flags_refresh

    years = []
    with _context():
        for fiscal_year in FiscalYear.objects.exclude(status=FiscalYearStatus.CLOSED).order_by("pk"):
            summary = flags_refresh(fiscal_year=fiscal_year)
            years.append({"fiscal_year": fiscal_year.pk, "tahun": fiscal_year.tahun, "open": summary.open,
                          "created": summary.created, "removed": summary.removed, "seconds": summary.seconds})
    return {"day": day or timezone.localdate().isoformat(), "fiscal_years": years}


scheduler.daily("budgeting.apply_due_price_changes", task=apply_due_price_changes, at=datetime.time(0, 5),
                kwargs=lambda day: {"today": day.isoformat()})
scheduler.daily("budgeting.refresh_flags_nightly", task=refresh_flags_nightly, at=datetime.time(1, 0),
                kwargs=lambda day: {"day": day.isoformat()})
