"""Background tasks of e-Budgeting (run by `manage.py worker`, django-tasks database backend).

Schedule `apply_due_price_changes` once a day shortly after midnight Asia/Jakarta (cron:
`manage.py shell -c "from terang.budgeting.tasks import apply_due_price_changes as t; t.enqueue()"`), so approved
catalogue changes take effect on their date. It is idempotent: running it twice applies nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import task


@task()
def apply_due_price_changes(today: str = "") -> dict[str, Any]:
    """Apply every approved catalogue change whose date has come (`today` as YYYY-MM-DD, default: today in Jakarta)."""
    import datetime

    from terang.core.context import use_context

    from .services.catalogue import price_change_apply_due

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    with use_context(actor=None):
        applied = price_change_apply_due(today=day)
    return {"date": day.isoformat(), "applied": applied}
