"""Red flags: recompute the automatic checks of flag_rules over the budget lines, and let verifiers dismiss a flag
with a published reason.

`flags_refresh` is idempotent: a finding that still holds keeps its flag (a dismissed flag stays dismissed while
its message and details are unchanged); a finding whose figures changed updates an open flag, or replaces a
dismissed one with a new open flag (the old dismissal stays in the audit trail); flags whose finding disappeared
are removed; new findings get new flags. One FLAGS_REFRESHED event records the counts.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from terang.audit.events import EventType
from terang.audit.services import record_change, record_event
from terang.core.workflow import transition
from terang.org.models import Organisation
from terang.reference.models import Account

from .. import flag_rules
from ..choices import FlagStatus, LineType, StageKind, StageStatus
from ..flag_rules import LINE_FIELDS, Finding, FlagFacts, ItemFacts, LineFacts, SubActivityFacts
from ..models import BudgetLine, Ceiling, FiscalYear, PriceItem, RedFlag, Stage, StageLine, SubActivityBudget
from ..workflows import RED_FLAG_WORKFLOW

BATCH = 500
#: Seconds a background refresh waits after the line save that asked for it (saves within that time share it). A
#: minute keeps an agency that is typing lines at a deadline to about one refresh a minute (a large agency's refresh
#: costs seconds of CPU); verifiers see fresh flags anyway, because submitting a sub-kegiatan refreshes it at once.
REFRESH_DELAY_SECONDS = float(getattr(settings, "TERANG_FLAGS_REFRESH_DELAY", 60))

logger = logging.getLogger("terang.flags")


@dataclass
class FlagSummary:
    """What one refresh did, and the flags in its scope afterwards."""

    lines_checked: int = 0
    created: int = 0
    updated: int = 0
    replaced: int = 0  # dismissed flags whose figures changed: removed and raised again as open
    kept: int = 0
    removed: int = 0
    open: int = 0
    dismissed: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_payload(self) -> dict[str, Any]:
        return {"lines_checked": self.lines_checked, "created": self.created, "updated": self.updated,
                "replaced": self.replaced, "kept": self.kept, "removed": self.removed, "open": self.open,
                "dismissed": self.dismissed, "by_rule": dict(sorted(self.by_rule.items()))}


# --- loading the facts ---------------------------------------------------------------------------------------------


def ppas_stage(fiscal_year: FiscalYear) -> Stage | None:
    """The frozen KUA-PPAS stage of the fiscal year (the baseline for "after KUA-PPAS" checks), if any."""
    return (Stage.objects.filter(fiscal_year=fiscal_year, kind=StageKind.KUA_PPAS,
                                 status__in=[StageStatus.CLOSED, StageStatus.PUBLISHED])
            .order_by("-sequence").first())


def _ppas_totals(fiscal_year: FiscalYear, only: tuple[int, str] | None = None
                 ) -> dict[tuple[int, str], Decimal] | None:
    """(agency, kode sub kegiatan) → belanja total in the frozen KUA-PPAS; None without a (non-empty) snapshot.
    `only`: just that one sub-kegiatan (a scoped refresh; an empty dict when the snapshot lacks it)."""
    stage = ppas_stage(fiscal_year)
    if stage is None:
        return None
    rows = StageLine.objects.filter(stage=stage, akun="5").order_by()
    if only is not None:
        if not rows.exists():
            return None
        rows = rows.filter(organisation_id=only[0], sub_kegiatan_kode=only[1])
    totals = {(org, kode): total for org, kode, total in rows.values_list("organisation_id", "sub_kegiatan_kode")
              .annotate(total=Sum("total"))}
    return totals if only is not None else totals or None


def _peer_volumes(fiscal_year: FiscalYear, item_ids: set[int]) -> list[tuple[int, int, int, Decimal]]:
    """Summed volume per (item, sub-kegiatan, agency) of the belanja item lines using `item_ids`, in one GROUP BY:
    the volume rule's peers without loading every line of every agency."""
    rows: list[tuple[int, int, int, Decimal]] = []
    ids = sorted(item_ids)
    for start in range(0, len(ids), BATCH):
        rows += list(BudgetLine.objects.filter(
            fiscal_year=fiscal_year, akun="5", line_type=LineType.ITEM, sub_activity__isnull=False,
            price_item_id__in=ids[start:start + BATCH]).order_by()
            .values_list("price_item_id", "sub_activity_id", "organisation_id").annotate(volume=Sum("volume")))
    return rows


def _load_facts(*, fiscal_year: FiscalYear, line_filter: Q | None, peers_of: set[int] | None = None,
                ppas_only: tuple[int, str] | None = None) -> FlagFacts:
    lines_qs = BudgetLine.objects.filter(fiscal_year=fiscal_year)
    if line_filter is not None:
        lines_qs = lines_qs.filter(line_filter)
    lines = [LineFacts(*row) for row in lines_qs.order_by().values_list(*LINE_FIELDS).iterator(chunk_size=5000)]
    item_ids = {line.price_item_id for line in lines if line.price_item_id}
    allowed: dict[int, set[int]] = defaultdict(set)
    through = PriceItem.allowed_accounts.through
    for item_id, account_id in through.objects.filter(priceitem_id__in=item_ids).values_list("priceitem_id",
                                                                                              "account_id"):
        allowed[item_id].add(account_id)
    items = {
        pk: ItemFacts(pk, kode, kelompok, nama, satuan, harga, frozenset(allowed.get(pk, ())))
        for pk, kode, kelompok, nama, satuan, harga in PriceItem.objects.filter(pk__in=item_ids).values_list(
            "pk", "kode", "kode_kelompok", "nama", "satuan", "harga")
    }
    account_ids = {line.account_id for line in lines} | {a for ids in allowed.values() for a in ids}
    account_codes = dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "kode"))
    sub_ids = {line.sub_activity_id for line in lines if line.sub_activity_id}
    subs = {
        pk: SubActivityFacts(pk, org, kode, sub_kegiatan, sumber, trace or "", max(1, selesai - mulai + 1))
        for pk, org, kode, sub_kegiatan, sumber, trace, mulai, selesai in SubActivityBudget.objects.filter(
            pk__in=sub_ids).values_list("pk", "organisation_id", "kode", "sub_kegiatan_id", "sumber_dana_id",
                                        "planning_trace", "bulan_mulai", "bulan_selesai")
    }
    org_ceilings: dict[int, Decimal] = {}
    sub_ceilings: dict[tuple[int, int], Decimal] = {}
    sd_ceilings: dict[tuple[int, int], Decimal] = {}
    ceilings = Ceiling.objects.filter(fiscal_year=fiscal_year)
    if ppas_only is not None:  # one sub-kegiatan: its agency's ceilings suffice
        ceilings = ceilings.filter(organisation_id=ppas_only[0])
    for org, sub_kegiatan, sumber, amount in ceilings.values_list(
            "organisation_id", "sub_kegiatan_id", "sumber_dana_id", "amount"):
        if sub_kegiatan is not None:
            sub_ceilings[(org, sub_kegiatan)] = amount
        elif sumber is not None:
            sd_ceilings[(org, sumber)] = amount
        else:
            org_ceilings[org] = amount
    return FlagFacts(
        lines=lines, items=items, account_codes=account_codes, sub_activities=subs, org_ceilings=org_ceilings,
        sub_activity_ceilings=sub_ceilings, sumber_dana_ceilings=sd_ceilings,
        ppas_totals=_ppas_totals(fiscal_year, ppas_only),
        increase_flag_percent=fiscal_year.increase_flag_percent, volume_flag_ratio=fiscal_year.volume_flag_ratio,
        peer_volumes=_peer_volumes(fiscal_year, peers_of) if peers_of is not None else None,
    )


# --- refresh -------------------------------------------------------------------------------------------------------


def _flag_key(rule: str, org: int, sub: int | None, line: int | None, details: Any) -> tuple:
    scope = ""
    if line is None and sub is None and isinstance(details, dict):
        lingkup = details.get("lingkup", "")
        scope = f"sumber_dana:{details.get('sumber_dana')}" if lingkup == "sumber_dana" else lingkup
    return (rule, org, sub, line, scope)


def _new_flag(fiscal_year: FiscalYear, finding: Finding, line_keys: dict[int, Any]) -> RedFlag:
    return RedFlag(fiscal_year_id=fiscal_year.pk, pemda_id=fiscal_year.pemda_id,
                   organisation_id=finding.organisation_id, sub_activity_id=finding.sub_activity_id,
                   line_id=finding.line_id, line_key=line_keys.get(finding.line_id) if finding.line_id else None,
                   rule=finding.rule, severity=finding.severity, message=finding.message[:500],
                   details=finding.details)


def _line_keys(line_ids: set[int]) -> dict[int, Any]:
    ids = sorted(line_ids)
    keys: dict[int, Any] = {}
    for start in range(0, len(ids), BATCH):
        keys.update(BudgetLine.objects.filter(pk__in=ids[start:start + BATCH]).values_list("pk", "line_key"))
    return keys


def _delete(pks: list[int]) -> None:
    for start in range(0, len(pks), BATCH):
        RedFlag.objects.filter(pk__in=pks[start:start + BATCH]).delete()


@transaction.atomic
def flags_refresh(
    *,
    fiscal_year: FiscalYear,
    organisation: Organisation | None = None,
    lines: Iterable[BudgetLine | int] | None = None,
    actor: Any = None,
    sub_activity: SubActivityBudget | int | None = None,
) -> FlagSummary:
    """Recompute the red flags of a fiscal year — all of it, one agency, one sub-kegiatan (its lines and itself, not
    the agency-wide totals; cheap: used when it is submitted) or some lines (with their sub-kegiatan and agencies).
    Give at most one of `organisation`, `sub_activity` and `lines`. Peers for the volume rule always come from
    every agency of the fiscal year.

    Serialised per fiscal year by a row lock on the fiscal year.
    """
    if sum(scope is not None for scope in (organisation, lines, sub_activity)) > 1:
        raise ValueError("give at most one of organisation, sub_activity and lines")
    started = time.monotonic()
    fiscal_year = FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)
    existing = RedFlag.objects.filter(fiscal_year=fiscal_year)
    line_filter: Q | None = None
    targets: dict[str, set[int] | None] = {"lines": None, "subs": None, "orgs": None}
    sub_row: tuple[int, int] | None = None
    peers_of: set[int] | None = None
    ppas_only: tuple[int, str] | None = None
    if sub_activity is not None:
        # Only the sub-kegiatan's lines are loaded; the volume rule's peers come from one GROUP BY; the agency's
        # totals (agency and funding-source ceilings) are left to the agency or full refresh.
        sub_pk = sub_activity.pk if isinstance(sub_activity, SubActivityBudget) else int(sub_activity)
        found = SubActivityBudget.objects.filter(pk=sub_pk, fiscal_year=fiscal_year).values_list(
            "pk", "organisation_id", "kode").first()
        if found is None:
            raise ValueError(f"sub-kegiatan {sub_pk} is not part of fiscal year {fiscal_year.pk}")
        sub_row, ppas_only = (found[0], found[1]), (found[1], found[2])
        sub_lines = BudgetLine.objects.filter(fiscal_year=fiscal_year, sub_activity_id=sub_pk).order_by()
        line_ids = set(sub_lines.values_list("pk", flat=True))
        peers_of = set(sub_lines.exclude(price_item=None).values_list("price_item_id", flat=True).distinct())
        targets = {"lines": line_ids, "subs": {sub_pk}, "orgs": set()}
        line_filter = Q(sub_activity_id=sub_pk)
        existing = existing.filter(Q(line_id__in=line_ids) | Q(line__isnull=True, sub_activity_id=sub_pk))
    elif lines is not None:
        line_ids = {line.pk if isinstance(line, BudgetLine) else int(line) for line in lines}
        rows = list(BudgetLine.objects.filter(fiscal_year=fiscal_year, pk__in=line_ids).values_list(
            "pk", "organisation_id", "sub_activity_id", "price_item_id"))
        orgs = {r[1] for r in rows}
        subs = {r[2] for r in rows if r[2]}
        items = {r[3] for r in rows if r[3]}
        targets = {"lines": {r[0] for r in rows}, "subs": subs, "orgs": orgs}
        line_filter = Q(organisation_id__in=orgs) | Q(price_item_id__in=items)
        existing = existing.filter(Q(line_id__in=line_ids) | Q(line__isnull=True, sub_activity_id__in=subs)
                                   | Q(line__isnull=True, sub_activity__isnull=True, organisation_id__in=orgs))
    elif organisation is not None:
        org_lines = BudgetLine.objects.filter(fiscal_year=fiscal_year, organisation=organisation).order_by()
        items = set(org_lines.exclude(price_item=None).values_list("price_item_id", flat=True).distinct())
        targets = {
            "lines": set(org_lines.values_list("pk", flat=True)),
            "subs": set(SubActivityBudget.objects.filter(fiscal_year=fiscal_year, organisation=organisation)
                        .values_list("pk", flat=True)),
            "orgs": {organisation.pk},
        }
        line_filter = Q(organisation_id=organisation.pk) | Q(price_item_id__in=items)
        existing = existing.filter(organisation=organisation)

    facts = _load_facts(fiscal_year=fiscal_year, line_filter=line_filter, peers_of=peers_of,
                        ppas_only=ppas_only)
    facts.target_line_ids, facts.target_sub_activity_ids, facts.target_organisation_ids = (
        targets["lines"], targets["subs"], targets["orgs"])
    with translation.override("id"):  # flags are stored (and published) in the source language
        findings = flag_rules.evaluate(facts)

    summary = FlagSummary(lines_checked=len(targets["lines"]) if targets["lines"] is not None else len(facts.lines))
    current: dict[tuple, Any] = {}
    duplicates: list[int] = []
    row: Any
    for row in existing.values("pk", "rule", "organisation_id", "sub_activity_id", "line_id", "severity", "message",
                               "details", "status", "dismissed_reason", "dismissed_by_id"):
        key = _flag_key(row["rule"], row["organisation_id"], row["sub_activity_id"], row["line_id"], row["details"])
        if key in current:
            duplicates.append(row["pk"])
        else:
            current[key] = row

    to_create_findings: list[Finding] = []
    to_update: list[RedFlag] = []
    replaced: list[Any] = []
    for finding in findings:
        row = current.pop(finding.key, None)
        message = finding.message[:500]
        if row is None:
            to_create_findings.append(finding)
        elif (row["severity"], row["message"], row["details"]) == (finding.severity, message, finding.details):
            summary.kept += 1
        elif row["status"] == FlagStatus.OPEN:
            to_update.append(RedFlag(pk=row["pk"], severity=finding.severity, message=message,
                                     details=finding.details))
        else:
            replaced.append(row)
            to_create_findings.append(finding)
    removed_rows = list(current.values())
    line_keys = _line_keys({f.line_id for f in to_create_findings if f.line_id})
    to_create = [_new_flag(fiscal_year, f, line_keys) for f in to_create_findings]

    replaced_pks = {row["pk"] for row in replaced}
    with translation.override("id"):
        changed, vanished = (_("Temuan berubah; tanda bahaya dibuka kembali sebagai temuan baru."),
                             _("Temuan tidak berlaku lagi."))
    for row in replaced + [r for r in removed_rows if r["status"] == FlagStatus.DISMISSED]:
        # a dismissal was an audited decision: say why its flag disappears
        record_change(
            action="delete", object_type=RedFlag._meta.label_lower, object_id=row["pk"],
            object_repr=row["message"][:255], pemda=fiscal_year.pemda_id, actor=actor,
            before={k: row[k] for k in ("rule", "message", "details", "status", "dismissed_reason",
                                        "dismissed_by_id")},
            reason=changed if row["pk"] in replaced_pks else vanished,
        )
    _delete(duplicates + [r["pk"] for r in replaced] + [r["pk"] for r in removed_rows])
    RedFlag.objects.bulk_create(to_create, batch_size=BATCH)
    RedFlag.objects.bulk_update(to_update, ["severity", "message", "details"], batch_size=BATCH)

    summary.created = len(to_create) - len(replaced)
    summary.replaced = len(replaced)
    summary.updated = len(to_update)
    summary.removed = len(removed_rows)
    after: Counter[tuple[str, str]] = Counter()
    for rule, status, n in existing.order_by().values_list("rule", "status").annotate(n=Count("pk")):
        after[(rule, status)] += n
    summary.open = sum(n for (_, status), n in after.items() if status == FlagStatus.OPEN)
    summary.dismissed = sum(n for (_, status), n in after.items() if status == FlagStatus.DISMISSED)
    by_rule: Counter[str] = Counter()
    for (rule, _status), n in after.items():
        by_rule[rule] += n
    summary.by_rule = dict(by_rule)
    summary.seconds = round(time.monotonic() - started, 3)
    payload = summary.as_payload()
    payload["scope"] = ("sub_activity" if sub_row is not None else "lines" if lines is not None
                        else "organisation" if organisation is not None else "all")
    if organisation is not None:
        payload["organisation"] = organisation.pk
    if sub_row is not None:
        payload["sub_activity"], payload["organisation"] = sub_row
    record_event(event_type=EventType.FLAGS_REFRESHED, instance=fiscal_year, payload=payload, actor=actor)
    return summary


# --- background refresh --------------------------------------------------------------------------------------------


def flags_refresh_soon(fiscal_year_id: int, organisation_id: int) -> None:
    """Ask for a background refresh of one agency's flags once the current transaction commits (call it after a
    line is saved or deleted; nothing is enqueued when the transaction rolls back).

    Debounced: the task waits REFRESH_DELAY_SECONDS, and is not enqueued again while an identical one is still
    waiting (READY) — a refresh that is already RUNNING may have read the lines before this save, so then a new one
    is queued. The task (tasks.refresh_flags) is idempotent, so a rare duplicate costs time, not correctness.
    """
    transaction.on_commit(lambda: _enqueue_refresh(int(fiscal_year_id), int(organisation_id)))


def _enqueue_refresh(fiscal_year_id: int, organisation_id: int) -> bool:
    """Enqueue tasks.refresh_flags unless an identical one is waiting; True when enqueued. Never raises: the line
    is saved already, and the nightly refresh catches up."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ..tasks import refresh_flags

    try:
        task = refresh_flags
        backend = task.get_backend()
        if isinstance(backend, DatabaseBackend):
            waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path,
                                                  backend_name=backend.alias).values_list("args_kwargs", flat=True)
            wanted = (fiscal_year_id, organisation_id)
            if any(_refresh_args(args_kwargs) == wanted for args_kwargs in waiting):
                return False
        if backend.supports_defer and REFRESH_DELAY_SECONDS > 0:
            task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=REFRESH_DELAY_SECONDS))
        task.enqueue(fiscal_year_id=fiscal_year_id, organisation_id=organisation_id)
        return True
    except Exception:
        logger.exception("Pembaruan tanda bahaya latar tidak dapat diantrekan",
                         extra={"fiscal_year": fiscal_year_id, "organisation": organisation_id})
        return False


def _refresh_args(args_kwargs: Any) -> tuple[Any, Any]:
    args = list((args_kwargs or {}).get("args") or [])
    kwargs = dict((args_kwargs or {}).get("kwargs") or {})
    fiscal_year = args[0] if args else kwargs.get("fiscal_year_id")
    organisation = args[1] if len(args) > 1 else kwargs.get("organisation_id")
    return fiscal_year, organisation


# --- dismissing ----------------------------------------------------------------------------------------------------


def flag_dismiss(*, actor: Any, flag: RedFlag | int, reason: str) -> RedFlag:
    """A TAPD verifier dismisses an open flag with a reason of at least 10 characters; the reason is audited and
    published next to the flag (FLAG_DISMISSED)."""
    return transition(workflow=RED_FLAG_WORKFLOW, obj_or_pk=flag, to_status=FlagStatus.DISMISSED,  # type: ignore[return-value]
                      actor=actor, reason=reason)
