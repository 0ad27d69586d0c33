"""Writes to the national code lists: regulation versions and imports of official Excel annexes.

The bulk loaders for the shipped CSV files live in `loaders.py`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from terang.accounts.permissions import can
from terang.audit.events import EventType
from terang.audit.services import record_change, record_event, snapshot
from terang.core.errors import ApplicationError, PermissionDeniedError

from .choices import ImportKind, VersionKind
from .importers.excel import AnnexLayout, AnnexParseResult, AnnexRow, read_annex
from .loaders import CodeRow, sync_codes
from .models import Account, ProgramCode, RegulationVersion

IMPORT_MODELS = {ImportKind.PROGRAM: ProgramCode, ImportKind.ACCOUNT: Account}


def _require_manage(actor: Any, pemda: Any) -> None:
    if actor is None or getattr(actor, "is_superuser", False):
        return  # management commands run as the system; superusers maintain national lists
    if pemda is None or not can(actor, "reference.manage", pemda):
        raise PermissionDeniedError()


@transaction.atomic
def regulation_version_ensure(
    *,
    kode: str,
    nama: str,
    singkatan: str = "",
    jenis: str = VersionKind.REGULATION,
    tanggal: datetime.date | None = None,
    amends: RegulationVersion | None = None,
    actor: Any = None,
    pemda: Any = None,
) -> RegulationVersion:
    """Return the regulation version `kode`, creating it (with an audit record) when it does not exist yet."""
    _require_manage(actor, pemda)
    kode = (kode or "").strip()
    if not kode or not (nama or "").strip():
        raise ApplicationError(_("Kode dan nama versi regulasi wajib diisi."), code="invalid", field="kode")
    version = RegulationVersion.objects.filter(kode=kode).first()
    if version is not None:
        return version
    version = RegulationVersion(
        kode=kode, nama=nama.strip(), singkatan=singkatan, jenis=jenis, tanggal=tanggal, amends=amends
    )
    version.full_clean()
    version.save()
    record_change(action="create", instance=version, after=snapshot(version), actor=actor)
    return version


@dataclass
class AnnexImportReport:
    """Outcome of one annex import: what was read, what was (or would be) written, and every problem found."""

    version: str
    kind: str
    rows_read: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    links_created: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _row_values(kind: str, row: AnnexRow, existing: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"tingkat": row.tingkat, "nama": row.nama}
    if row.keterangan or (existing is not None and existing.keterangan):
        values["keterangan"] = row.keterangan or existing.keterangan
    if kind == ImportKind.PROGRAM:
        for key in ("kinerja", "indikator", "satuan"):
            if row.extra.get(key):
                values[key] = row.extra[key]
    else:
        values["is_postable"] = row.level == 6
    return values


def _plan(kind: str, parsed: AnnexParseResult, version: RegulationVersion | None, report: AnnexImportReport):
    """Check parents against the file and the database; turn annex rows into CodeRows (no writes)."""
    model: Any = IMPORT_MODELS[ImportKind(kind)]
    in_file = {row.kode for row in parsed.rows}
    parents = {row.parent for row in parsed.rows if row.parent and row.parent not in in_file}
    known = set(model._default_manager.filter(kode__in=parents).values_list("kode", flat=True))
    existing = {obj.kode: obj for obj in model._default_manager.filter(kode__in=in_file).prefetch_related("versions")}
    planned: list[CodeRow] = []
    for row in parsed.rows:
        if row.parent and row.parent not in in_file and row.parent not in known:
            report.errors.append(
                _("Baris %(n)d: induk '%(induk)s' dari kode '%(kode)s' tidak ditemukan")
                % {"n": row.row_number, "induk": row.parent, "kode": row.kode}
            )
            continue
        current = existing.get(row.kode)
        values = _row_values(kind, row, current)
        if current is None:
            report.created += 1
        else:
            other_versions = sorted(v.kode for v in current.versions.all() if version is None or v.pk != version.pk)
            if other_versions:
                # old years keep what their own version says: a row shared with another version is only linked
                if current.nama != row.nama:
                    report.warnings.append(
                        _("Baris %(n)d: nama kode '%(kode)s' berbeda dengan versi %(versi)s; nama lama dipertahankan")
                        % {"n": row.row_number, "kode": row.kode, "versi": ", ".join(other_versions)}
                    )
                values = {key: getattr(current, key) for key in values}
            elif any(getattr(current, key) != value for key, value in values.items()):
                report.updated += 1
        planned.append(
            CodeRow(
                kode=row.kode,
                parent=row.parent,
                level=row.level,
                values=values,
                versions=(version.kode,) if version is not None else (),
            )
        )
    return planned


@transaction.atomic
def reference_annex_import(
    *,
    path: str | Path,
    version_code: str,
    kind: str,
    dry_run: bool = False,
    layout: AnnexLayout | None = None,
    sheet: str | int = 0,
    version_name: str = "",
    actor: Any = None,
    pemda: Any = None,
) -> AnnexImportReport:
    """Import an official Kepmendagri Excel annex (program nomenclature or accounts) into one regulation version.

    All or nothing: when any row is unreadable or has no parent, nothing is saved and every problem is reported
    (`Baris N: …`). `dry_run` only reports. Codes already shared with another version keep their name and metadata
    (a warning is reported) and are linked to this version too.
    """
    _require_manage(actor, pemda)
    kind = ImportKind(kind)
    report = AnnexImportReport(version=version_code, kind=str(kind), dry_run=dry_run)
    parsed = read_annex(path, kind=kind, layout=layout, sheet=sheet)
    report.rows_read = len(parsed.rows)
    report.skipped = parsed.skipped
    report.errors.extend(parsed.errors)
    version = RegulationVersion.objects.filter(kode=version_code).first()
    if version is None and not version_name:
        report.errors.append(
            _("Versi regulasi '%(versi)s' belum ada; berikan nama versi untuk membuatnya.") % {"versi": version_code}
        )
    planned = _plan(kind, parsed, version, report)
    if report.errors or dry_run:
        return report
    if version is None:
        version = regulation_version_ensure(kode=version_code, nama=version_name, actor=actor, pemda=pemda)
        planned = [
            CodeRow(kode=r.kode, parent=r.parent, level=r.level, values=r.values, versions=(version.kode,))
            for r in planned
        ]
    stats = sync_codes(IMPORT_MODELS[kind], planned, {version.kode: version})
    report.created, report.updated, report.links_created = stats.created, stats.updated, stats.links_created
    report.saved = True
    record_event(
        event_type=EventType.REFERENCE_IMPORTED,
        instance=version,
        payload={
            "file": Path(path).name,
            "kind": str(kind),
            "version": version.kode,
            "rows": report.rows_read,
            "created": stats.created,
            "updated": stats.updated,
            "links_created": stats.links_created,
            "warnings": len(report.warnings),
        },
        actor=actor,
    )
    return report
