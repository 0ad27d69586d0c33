"""Line-by-line comparison of two stages (or a frozen stage and the live working copy), computed in SQL.

Lines are matched on `line_key`, which stays the same across stages. The comparison is ONE streaming SQL
statement — target LEFT JOIN base (added / changed / unchanged) UNION ALL base rows missing from the target
(removed) — because a FULL OUTER JOIN is not available on SQLite before 3.39. No ORM objects are built per row:
rows are read from a server-side cursor (PostgreSQL) in chunks, so a 100,000-line diff streams with flat memory.

Besides the compared columns, a line whose koefisien changed ("10 Orang x 2 Hari" → "12 Orang x 2 Hari", even at an
equal volume) is "changed" with the field `koefisien`; the factors are compared only when both sides have them
(stages frozen before vol1..vol4/sat1..sat4 were kept have none, and must not look changed for that alone).

Who changed a line is the target line's `updated_by`; why is, for a line moved in a pergeseran between the two
stages, the pergeseran's reason and legal basis, otherwise the latest reason written in the audit trail for that
line between the two freezes. Both are fetched per chunk of rows (two queries per chunk, never per row).
"""

# ruff: noqa: S608 -- SQL is assembled only from ORM table/column names and constants; values go in params
from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terang.audit.models import ChangeRecord
from terang.core.money import format_number
from terang.org.models import Organisation
from terang.reference.models import Account

from .models import BudgetLine, ShiftLine, Stage, StageLine, SubActivityBudget
from .services.stages import to_decimal

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
UNCHANGED = "unchanged"
STATUSES = (ADDED, REMOVED, CHANGED, UNCHANGED)
DEFAULT_STATUSES = (ADDED, REMOVED, CHANGED)
STATUS_LABELS = {ADDED: gettext_lazy("Ditambah"), REMOVED: gettext_lazy("Dihapus"),
                 CHANGED: gettext_lazy("Diubah"), UNCHANGED: gettext_lazy("Tetap")}

# Fields that make a line "changed" (compared null-safely in SQL).
COMPARED = ("organisation_id", "sub_activity_id", "account_id", "sumber_dana_id", "kelompok", "keterangan",
            "line_type", "price_item_id", "uraian", "spesifikasi", "volume", "satuan", "harga_satuan", "ppn_amount",
            "total")
# The koefisien: compared (as the field "koefisien") only when both sides have vol1 (see the module comment).
FACTOR_FIELDS = ("vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4")
KOEFISIEN = "koefisien"
# Selected from each side (prefix t_ / b_).
SIDE_COLUMNS = ("line_id", "organisation_id", "sub_activity_id", "sub_kegiatan_kode", "account_id", "sumber_dana_id",
                "kelompok", "keterangan", "line_type", "price_item_id", "uraian", "spesifikasi", "volume", "satuan",
                "harga_satuan", "ppn_amount", "total", "updated_by_id", *FACTOR_FIELDS)
FIELD_LABELS = {
    "organisation_id": gettext_lazy("perangkat daerah"), "sub_activity_id": gettext_lazy("sub kegiatan"),
    "account_id": gettext_lazy("rekening"), "sumber_dana_id": gettext_lazy("sumber dana"),
    "kelompok": gettext_lazy("kelompok"), "keterangan": gettext_lazy("keterangan"),
    "line_type": gettext_lazy("jenis baris"), "price_item_id": gettext_lazy("komponen"),
    "uraian": gettext_lazy("uraian"), "spesifikasi": gettext_lazy("spesifikasi"), "volume": gettext_lazy("volume"),
    "satuan": gettext_lazy("satuan"), "harga_satuan": gettext_lazy("harga satuan"), "ppn_amount": gettext_lazy("PPN"),
    "total": gettext_lazy("jumlah"), KOEFISIEN: gettext_lazy("koefisien"),
}
_DECIMAL_PLACES = {"volume": Decimal("0.0001"), "harga_satuan": Decimal("0.01"), "ppn_amount": Decimal("0.01"),
                   "total": Decimal("0.01"), "vol1": Decimal("0.0001"), "vol2": Decimal("0.0001"),
                   "vol3": Decimal("0.0001"), "vol4": Decimal("0.0001")}
CHUNK = 2000
ZERO = Decimal("0.00")


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _col(model: Any, name: str) -> str:
    return _qn(model._meta.get_field(name).column)


@dataclass(frozen=True)
class _Side:
    """One side of a diff: a frozen stage (StageLine rows) or the live lines of a fiscal year (BudgetLine rows)."""

    stage: Stage | None
    fiscal_year_id: int
    organisation_ids: tuple[int, ...] | None

    @property
    def table(self) -> str:
        return _qn((StageLine if self.stage is not None else BudgetLine)._meta.db_table)

    def cond(self, alias: str) -> tuple[str, list[Any]]:
        if self.stage is not None:
            sql, params = f"{alias}.{_col(StageLine, 'stage')} = %s", [self.stage.pk]
            org = f"{alias}.{_col(StageLine, 'organisation_id')}"
        else:
            sql, params = f"{alias}.{_col(BudgetLine, 'fiscal_year')} = %s", [self.fiscal_year_id]
            org = f"{alias}.{_col(BudgetLine, 'organisation')}"
        if self.organisation_ids is not None:
            if not self.organisation_ids:
                return sql + " AND 1 = 0", params
            sql += f" AND {org} IN ({', '.join(['%s'] * len(self.organisation_ids))})"
            params += list(self.organisation_ids)
        return sql, params

    def expr(self, alias: str, name: str) -> str:
        if self.stage is not None:
            return f"{alias}.{_col(StageLine, name)}"
        if name == "line_id":
            return f"{alias}.{_col(BudgetLine, 'id')}"
        if name == "sub_kegiatan_kode":
            sub = SubActivityBudget
            return (f"(SELECT {_col(sub, 'kode')} FROM {_qn(sub._meta.db_table)} "
                    f"WHERE {_col(sub, 'id')} = {alias}.{_col(BudgetLine, 'sub_activity')})")
        field_name = name[:-3] if name.endswith("_id") else name
        return f"{alias}.{_col(BudgetLine, field_name)}"


@dataclass(slots=True)
class DiffRow:
    """One compared line. Amounts are Decimal; `old_*` is None for added lines, `new_*` for removed ones."""

    status: str
    line_key: str
    line_id: int | None
    organisation_id: int | None
    organisation_kode: str
    organisation_nama: str
    sub_activity_id: int | None
    sub_kegiatan_kode: str
    account_kode: str
    account_nama: str
    old_account_kode: str
    uraian: str
    old_uraian: str
    satuan: str
    old_volume: Decimal | None
    new_volume: Decimal | None
    old_harga_satuan: Decimal | None
    new_harga_satuan: Decimal | None
    old_total: Decimal | None
    new_total: Decimal | None
    delta: Decimal
    changed_fields: tuple[str, ...]
    changed_by: str
    koefisien: str = ""  # "10 Orang x 2 Hari" of the target side ("" when that side has no factors)
    old_koefisien: str = ""
    reason: str = ""
    reason_source: str = ""  # "pergeseran" | "audit" | ""
    legal_basis: str = ""
    shift_nomor: str = ""
    shift_level: str = ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def changed_labels(self) -> str:
        return ", ".join(str(FIELD_LABELS[f]) for f in self.changed_fields)

    @property
    def old_quantity(self) -> str:
        """What the page shows as the old quantity: the koefisien, or the volume and satuan when there are no
        factors ("" for an added line)."""
        if self.old_volume is None:
            return ""
        return self.old_koefisien or f"{format_number(self.old_volume)} {self.satuan}".strip()

    @property
    def new_quantity(self) -> str:
        if self.new_volume is None:
            return ""
        return self.koefisien or f"{format_number(self.new_volume)} {self.satuan}".strip()

    def as_dict(self) -> dict[str, Any]:
        """The row as the API and JSON downloads show it (Indonesian keys, amounts as strings)."""
        return {
            "status": self.status, "kunci_baris": self.line_key, "id_baris": self.line_id,
            "opd": {"id": self.organisation_id, "kode": self.organisation_kode, "nama": self.organisation_nama},
            "sub_kegiatan_kode": self.sub_kegiatan_kode, "rekening_kode": self.account_kode,
            "rekening_lama_kode": self.old_account_kode, "uraian": self.uraian, "satuan": self.satuan,
            "volume_lama": _num(self.old_volume), "volume_baru": _num(self.new_volume),
            "harga_satuan_lama": _num(self.old_harga_satuan), "harga_satuan_baru": _num(self.new_harga_satuan),
            "koefisien_lama": self.old_koefisien, "koefisien_baru": self.koefisien,
            "jumlah_lama": _num(self.old_total), "jumlah_baru": _num(self.new_total), "selisih": _num(self.delta),
            "kolom_berubah": list(self.changed_fields), "diubah_oleh": self.changed_by, "alasan": self.reason,
            "sumber_alasan": self.reason_source, "dasar_hukum": self.legal_basis,
            "nomor_pergeseran": self.shift_nomor, "tingkat_pergeseran": self.shift_level,
        }


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


@dataclass
class GroupTotal:
    """Totals of the diff rows of one OPD, one sub-kegiatan of an OPD, or one account of a sub-kegiatan."""

    key: Any
    kode: str
    nama: str = ""
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    old_total: Decimal = ZERO
    new_total: Decimal = ZERO
    children: dict[Any, GroupTotal] = field(default_factory=dict)

    @property
    def delta(self) -> Decimal:
        return self.new_total - self.old_total

    @property
    def rows(self) -> int:
        return self.added + self.removed + self.changed + self.unchanged

    def add(self, row: DiffRow) -> None:
        setattr(self, row.status, getattr(self, row.status) + 1)
        self.old_total += row.old_total or ZERO
        self.new_total += row.new_total or ZERO

    @property
    def children_list(self) -> list[GroupTotal]:
        return list(self.children.values())

    def as_dict(self, depth: int = 0) -> dict[str, Any]:
        data: dict[str, Any] = {"kode": self.kode, "nama": self.nama, "ditambah": self.added,
                                "dihapus": self.removed, "diubah": self.changed, "tetap": self.unchanged,
                                "jumlah_lama": _num(self.old_total), "jumlah_baru": _num(self.new_total),
                                "selisih": _num(self.delta)}
        if depth > 0:
            data["rincian"] = [c.as_dict(depth - 1) for c in self.children.values()]
        return data


@dataclass
class DiffSummary:
    """Counts and Rp totals of a diff, overall and grouped OPD → sub-kegiatan → account."""

    total: GroupTotal
    organisations: dict[Any, GroupTotal]

    @property
    def count(self) -> int:
        return self.total.rows

    @property
    def organisation_list(self) -> list[GroupTotal]:
        return list(self.organisations.values())

    def as_dict(self) -> dict[str, Any]:
        return {"baris": self.count, "total": self.total.as_dict(),
                "per_opd": [g.as_dict(depth=2) for g in self.organisations.values()]}


@dataclass
class DiffPage:
    rows: list[DiffRow]
    summary: DiffSummary
    number: int
    size: int

    @property
    def count(self) -> int:
        return self.summary.count

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


class DiffResult:
    """A lazily evaluated stage diff. Iterate `rows()` (streaming, with who/why), `summary()` (one pass, cached),
    `page(n, size)` (one pass: summary + the rows of one page with who/why) or `write_csv(out)`."""

    def __init__(self, *, base: Stage, target: Stage | None, organisation_ids: Collection[int] | None = None,
                 statuses: Iterable[str] = DEFAULT_STATUSES, min_delta: Decimal | None = None):
        if target is not None and target.fiscal_year_id != base.fiscal_year_id:
            raise ValueError("stages of different fiscal years")
        self.base = base
        self.target = target
        self.fiscal_year_id = base.fiscal_year_id
        self.organisation_ids = tuple(sorted(set(organisation_ids))) if organisation_ids is not None else None
        self.statuses = tuple(s for s in STATUSES if s in set(statuses))
        self.min_delta = abs(min_delta) if min_delta else None
        self._summary: DiffSummary | None = None

    # -- SQL ------------------------------------------------------------------------------------------------

    def sql(self) -> tuple[str, list[Any]]:
        target = _Side(self.target, self.fiscal_year_id, self.organisation_ids)
        base = _Side(self.base, self.fiscal_year_id, self.organisation_ids)
        distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        key_t, key_b = target.expr("t", "line_key"), base.expr("b", "line_key")
        factors = " OR ".join(f"{target.expr('t', f)} {distinct} {base.expr('b', f)}" for f in FACTOR_FIELDS)
        differs = " OR ".join([*(f"{target.expr('t', f)} {distinct} {base.expr('b', f)}" for f in COMPARED),
                               f"({target.expr('t', 'vol1')} IS NOT NULL AND {base.expr('b', 'vol1')} IS NOT NULL "
                               f"AND ({factors}))"])
        t_cols = [f"{target.expr('t', c)} AS t_{c}" for c in SIDE_COLUMNS]
        b_cols = [f"{base.expr('b', c)} AS b_{c}" for c in SIDE_COLUMNS]
        null_cols = lambda prefix: [f"NULL AS {prefix}_{c}" for c in SIDE_COLUMNS]  # noqa: E731
        parts: list[str] = []
        params: list[Any] = []
        want_part1 = any(s in self.statuses for s in (ADDED, CHANGED, UNCHANGED))
        if want_part1:
            b_cond, b_params = base.cond("b")
            t_cond, t_params = target.cond("t")
            where = t_cond
            if UNCHANGED not in self.statuses:
                where += f" AND ({key_b} IS NULL OR {differs})"
            parts.append(
                f"SELECT CASE WHEN {key_b} IS NULL THEN '{ADDED}' WHEN {differs} THEN '{CHANGED}' "
                f"ELSE '{UNCHANGED}' END AS status, {key_t} AS line_key, {', '.join(t_cols + b_cols)} "
                f"FROM {target.table} t LEFT JOIN {base.table} b ON {key_b} = {key_t} AND {b_cond} "
                f"WHERE {where}"
            )
            params += b_params + t_params
        if REMOVED in self.statuses:
            b_cond, b_params = base.cond("b")
            t_cond, t_params = target.cond("t")
            parts.append(
                f"SELECT '{REMOVED}' AS status, {key_b} AS line_key, {', '.join(null_cols('t') + b_cols)} "
                f"FROM {base.table} b WHERE {b_cond} AND NOT EXISTS "
                f"(SELECT 1 FROM {target.table} t WHERE {key_t} = {key_b} AND {t_cond})"
            )
            params += b_params + t_params
        if not parts:
            parts.append(f"SELECT '{ADDED}' AS status, NULL AS line_key, "
                         f"{', '.join(null_cols('t') + null_cols('b'))} FROM {target.table} t WHERE 1 = 0")
        org, acc = Organisation, Account
        user = get_user_model()
        outer_where = [f"d.status IN ({', '.join(['%s'] * len(self.statuses))})"] if self.statuses else ["1 = 0"]
        outer_params: list[Any] = list(self.statuses)
        if self.min_delta is not None:
            outer_where.append("ABS(COALESCE(d.t_total, 0) - COALESCE(d.b_total, 0)) >= %s")
            outer_params.append(self.min_delta if connection.vendor == "postgresql" else float(self.min_delta))
        sql = (
            f"SELECT d.*, o.{_col(org, 'kode')}, o.{_col(org, 'singkatan')}, o.{_col(org, 'nama')}, "
            f"an.{_col(acc, 'kode')}, an.{_col(acc, 'nama')}, ao.{_col(acc, 'kode')}, ao.{_col(acc, 'nama')}, "
            f"un.{_col(user, 'username')}, uo.{_col(user, 'username')} "
            f"FROM ({' UNION ALL '.join(parts)}) d "
            f"LEFT JOIN {_qn(org._meta.db_table)} o ON o.{_col(org, 'id')} = "
            f"COALESCE(d.t_organisation_id, d.b_organisation_id) "
            f"LEFT JOIN {_qn(acc._meta.db_table)} an ON an.{_col(acc, 'id')} = d.t_account_id "
            f"LEFT JOIN {_qn(acc._meta.db_table)} ao ON ao.{_col(acc, 'id')} = d.b_account_id "
            f"LEFT JOIN {_qn(user._meta.db_table)} un ON un.{_col(user, 'id')} = d.t_updated_by_id "
            f"LEFT JOIN {_qn(user._meta.db_table)} uo ON uo.{_col(user, 'id')} = d.b_updated_by_id "
            f"WHERE {' AND '.join(outer_where)} "
            f"ORDER BY o.{_col(org, 'kode')}, COALESCE(d.t_sub_kegiatan_kode, d.b_sub_kegiatan_kode), "
            f"COALESCE(an.{_col(acc, 'kode')}, ao.{_col(acc, 'kode')}), COALESCE(d.t_uraian, d.b_uraian), d.line_key"
        )
        return sql, params + outer_params

    def _chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        sql, params = self.sql()
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                yield rows
        finally:
            cursor.close()

    # -- rows ------------------------------------------------------------------------------------------------

    def _row(self, raw: tuple[Any, ...]) -> DiffRow:
        n = len(SIDE_COLUMNS)
        status, line_key = raw[0], raw[1]
        t = dict(zip(SIDE_COLUMNS, raw[2:2 + n], strict=True))
        b = dict(zip(SIDE_COLUMNS, raw[2 + n:2 + 2 * n], strict=True))
        (org_kode, org_singkatan, org_nama, acc_new, acc_new_nama, acc_old, acc_old_nama, user_new,
         _user_old) = raw[2 + 2 * n:]
        for side in (t, b):
            for name, places in _DECIMAL_PLACES.items():
                side[name] = to_decimal(side[name], places)
        old_total = b["total"] if status != ADDED else None
        new_total = t["total"] if status != REMOVED else None
        changed: tuple[str, ...] = ()
        koef_new = _koefisien(t) if status != REMOVED else ""
        koef_old = _koefisien(b) if status != ADDED else ""
        if status == CHANGED:
            changed = tuple(f for f in COMPARED if t[f] != b[f])
            if t["vol1"] is not None and b["vol1"] is not None and any(t[f] != b[f] for f in FACTOR_FIELDS):
                cut = changed.index("volume") if "volume" in changed else len(changed)
                changed = (*changed[:cut], KOEFISIEN, *changed[cut:])
        main = t if status != REMOVED else b
        return DiffRow(
            status=status, line_key=_hex(line_key), line_id=main["line_id"],
            organisation_id=main["organisation_id"], organisation_kode=org_kode or "",
            organisation_nama=org_singkatan or org_nama or "", sub_activity_id=main["sub_activity_id"],
            sub_kegiatan_kode=main["sub_kegiatan_kode"] or "",
            account_kode=(acc_new if status != REMOVED else acc_old) or "",
            account_nama=(acc_new_nama if status != REMOVED else acc_old_nama) or "",
            old_account_kode=(acc_old or "") if status == CHANGED and acc_old != acc_new else "",
            uraian=main["uraian"] or "", old_uraian=(b["uraian"] or "") if status == CHANGED else "",
            satuan=main["satuan"] or "",
            old_volume=b["volume"] if status != ADDED else None,
            new_volume=t["volume"] if status != REMOVED else None,
            old_harga_satuan=b["harga_satuan"] if status != ADDED else None,
            new_harga_satuan=t["harga_satuan"] if status != REMOVED else None,
            old_total=old_total, new_total=new_total, delta=(new_total or ZERO) - (old_total or ZERO),
            changed_fields=changed, changed_by=(user_new if status != REMOVED else "") or "",
            koefisien=koef_new, old_koefisien=koef_old,
        )

    def _plain_rows(self) -> Iterator[list[DiffRow]]:
        for chunk in self._chunks():
            yield [self._row(raw) for raw in chunk]

    def rows(self) -> Iterator[DiffRow]:
        """Every diff row in order (OPD, sub-kegiatan, account, uraian), with who changed it and why."""
        for batch in self._plain_rows():
            self.attach_reasons(batch)
            yield from batch

    def attach_reasons(self, rows: list[DiffRow]) -> None:
        """Fill `reason` (+ legal basis / pergeseran) and, for removed lines, `changed_by` — two queries per call."""
        rows = [r for r in rows if r.status != UNCHANGED]
        if not rows:
            return
        lo, hi = self._sequence_range()
        shift_lines = ShiftLine.objects.filter(
            line_key__in={r.line_key for r in rows}, shift__stage__fiscal_year_id=self.fiscal_year_id)
        if lo is not None:
            shift_lines = shift_lines.filter(shift__stage__sequence__gt=lo)
        if hi is not None:
            shift_lines = shift_lines.filter(shift__stage__sequence__lte=hi)
        shifts: dict[str, tuple[Any, ...]] = {}
        for key, reason, basis, nomor, level, who in shift_lines.order_by("shift__created_at", "pk").values_list(
                "line_key", "shift__reason", "shift__legal_basis", "shift__nomor", "shift__level",
                "shift__created_by__username"):
            shifts[_hex(key)] = (reason, basis, nomor, level, who)
        ids = {str(r.line_id) for r in rows if r.line_id is not None}
        audit: dict[str, tuple[str, str]] = {}
        if ids:
            lo_at, hi_at = self._time_range()
            records = ChangeRecord.objects.filter(object_type=BudgetLine._meta.label_lower, object_id__in=ids)
            if lo_at is not None:
                records = records.filter(created_at__gt=lo_at)
            if hi_at is not None:
                records = records.filter(created_at__lte=hi_at)
            for object_id, reason, who in records.order_by("seq").values_list("object_id", "reason",
                                                                                "actor_username"):
                previous = audit.get(object_id, ("", ""))
                audit[object_id] = (reason or previous[0], who or previous[1])
        for row in rows:
            shift = shifts.get(row.line_key)
            if shift is not None:
                row.reason, row.legal_basis, row.shift_nomor, row.shift_level = shift[0], shift[1], shift[2], shift[3]
                row.reason_source = "pergeseran"
                if not row.changed_by:
                    row.changed_by = shift[4] or ""
                continue
            found = audit.get(str(row.line_id)) if row.line_id is not None else None
            if found is not None:
                if found[0]:
                    row.reason, row.reason_source = found[0], "audit"
                if not row.changed_by:
                    row.changed_by = found[1]

    def _sequence_range(self) -> tuple[int | None, int | None]:
        if self.target is None:
            return self.base.sequence, None
        lo, hi = sorted((self.base.sequence, self.target.sequence))
        return lo, hi

    def _time_range(self) -> tuple[Any, Any]:
        base_at = self.base.frozen_at
        target_at = self.target.frozen_at if self.target is not None else None
        if self.target is None:
            return base_at, None
        if base_at and target_at and base_at > target_at:
            return target_at, base_at
        return base_at, target_at

    # -- aggregates ------------------------------------------------------------------------------------------

    def summary(self) -> DiffSummary:
        """Counts and totals overall and per OPD → sub-kegiatan → account (one streaming pass, cached)."""
        if self._summary is None:
            summary = _new_summary()
            for batch in self._plain_rows():
                for row in batch:
                    _accumulate(summary, row)
            self._summary = _finish(summary)
        return self._summary

    def page(self, number: int = 1, size: int = 100) -> DiffPage:
        """Summary plus the rows of page `number` (1-based) with who/why, in one pass over the diff."""
        size = max(1, min(int(size), 1000))
        number = max(1, int(number))
        start, stop = (number - 1) * size, number * size
        summary = _new_summary()
        picked: list[DiffRow] = []
        index = 0
        for batch in self._plain_rows():
            for row in batch:
                _accumulate(summary, row)
                if start <= index < stop:
                    picked.append(row)
                index += 1
        self._summary = _finish(summary)
        self.attach_reasons(picked)
        return DiffPage(rows=picked, summary=self._summary, number=number, size=size)

    def stage_totals(self) -> tuple[Decimal, Decimal]:
        """Total of every line of the base and of the target (within the organisation filter)."""
        return _side_total(_Side(self.base, self.fiscal_year_id, self.organisation_ids)), _side_total(
            _Side(self.target, self.fiscal_year_id, self.organisation_ids))

    # -- CSV ---------------------------------------------------------------------------------------------------

    def csv_lines(self) -> Iterator[str]:
        """The diff as CSV text, one chunk of lines at a time (for StreamingHttpResponse)."""
        buffer = _LineBuffer()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        yield buffer.take()
        for batch in self._plain_rows():
            self.attach_reasons(batch)
            for row in batch:
                writer.writerow(_csv_values(row))
            yield buffer.take()


CSV_HEADER = ("status", "opd_kode", "opd", "sub_kegiatan_kode", "rekening_kode", "rekening_lama_kode", "uraian",
              "satuan", "koefisien_lama", "koefisien_baru", "volume_lama", "volume_baru", "harga_satuan_lama",
              "harga_satuan_baru", "jumlah_lama", "jumlah_baru", "selisih", "kolom_berubah", "diubah_oleh", "alasan",
              "dasar_hukum", "nomor_pergeseran", "kunci_baris")


def _koefisien(side: dict[str, Any]) -> str:
    """'10 Orang x 2 Hari' of one side of a row ("" when it has no factors)."""
    if side["vol1"] is None:
        return ""
    return " x ".join(f"{format_number(side[f'vol{i}'])} {side[f'sat{i}'] or ''}".strip() for i in range(1, 5)
                      if side[f"vol{i}"] is not None)


def _csv_values(row: DiffRow) -> list[Any]:
    return [row.status, row.organisation_kode, row.organisation_nama, row.sub_kegiatan_kode, row.account_kode,
            row.old_account_kode, row.uraian, row.satuan, row.old_koefisien, row.koefisien,
            _num(row.old_volume) or "", _num(row.new_volume) or "",
            _num(row.old_harga_satuan) or "", _num(row.new_harga_satuan) or "", _num(row.old_total) or "",
            _num(row.new_total) or "", _num(row.delta), " ".join(row.changed_fields), row.changed_by, row.reason,
            row.legal_basis, row.shift_nomor, row.line_key]


class _LineBuffer:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def _hex(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text.replace("-", "") if len(text) == 36 else text


def _side_total(side: _Side) -> Decimal:
    table_total = f"{_qn('t')}.{_col(StageLine if side.stage else BudgetLine, 'total')}"
    cond, params = side.cond(_qn("t"))
    expr = (f"SUM({table_total})" if connection.vendor == "postgresql"
            else f"SUM(CAST(ROUND({table_total} * 100) AS INTEGER))")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expr} FROM {side.table} {_qn('t')} WHERE {cond}", params)
        value = cursor.fetchone()[0]
    if value is None:
        return ZERO
    if connection.vendor == "postgresql":
        return Decimal(value).quantize(Decimal("0.01"))
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def _new_summary() -> DiffSummary:
    return DiffSummary(total=GroupTotal(key=None, kode="", nama=_("Semua")), organisations={})


def _accumulate(summary: DiffSummary, row: DiffRow) -> None:
    summary.total.add(row)
    org = summary.organisations.get(row.organisation_id)
    if org is None:
        org = summary.organisations[row.organisation_id] = GroupTotal(
            key=row.organisation_id, kode=row.organisation_kode, nama=row.organisation_nama)
    org.add(row)
    sub_key = row.sub_activity_id
    sub = org.children.get(sub_key)
    if sub is None:
        sub = org.children[sub_key] = GroupTotal(key=sub_key, kode=row.sub_kegiatan_kode or "—")
    sub.add(row)
    account = sub.children.get(row.account_kode)
    if account is None:
        account = sub.children[row.account_kode] = GroupTotal(key=row.account_kode, kode=row.account_kode,
                                                              nama=row.account_nama)
    account.add(row)


def _finish(summary: DiffSummary) -> DiffSummary:
    """Name the sub-kegiatan groups (one query)."""
    ids = {key for org in summary.organisations.values() for key in org.children if key is not None}
    if ids:
        names = dict(SubActivityBudget.objects.filter(pk__in=ids).values_list("pk", "nama"))
        for org in summary.organisations.values():
            for key, sub in org.children.items():
                sub.nama = names.get(key, "")
    return summary


def stage_diff(*, base: Stage, target: Stage | None, organisation: Any = None,
               statuses: Iterable[str] = DEFAULT_STATUSES, min_delta: Decimal | None = None) -> DiffResult:
    """Compare `base` with `target` (None = the live working copy of the same fiscal year) line by line.

    `organisation`: None (all), an Organisation, an id, or a collection of ids. `statuses`: which of added,
    removed, changed, unchanged to return (unchanged excluded by default). `min_delta`: only rows whose |Rp delta|
    is at least this. Nothing runs until the result is iterated.
    """
    ids: Collection[int] | None
    if organisation is None:
        ids = None
    elif isinstance(organisation, Organisation):
        ids = [organisation.pk]
    elif isinstance(organisation, int):
        ids = [organisation]
    else:
        ids = [int(i) for i in organisation]
    return DiffResult(base=base, target=target, organisation_ids=ids, statuses=statuses, min_delta=min_delta)


def diff_label(stage: Stage | None) -> str:
    return stage.nama if stage is not None else _("Data kerja (belum dibekukan)")


def diff_generated_at() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")

