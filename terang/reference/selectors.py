"""Reads of the national code lists. Reference codes are public facts, so these selectors take no user.

Two kinds of version filter:
* strict (`in_version`): rows linked to that version only — the program nomenclature, where every version is a
  complete list (a code only in pemutakhiran-2027 is not part of 900.1.15.5-1317/2023);
* cumulative (`accounts_for_version`): rows linked to the version or to a version it amends — the chart of accounts,
  whose updates ship additions only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from terang.core.errors import NotFoundError

from . import codes
from .code_lists import CODE_LISTS, CodeList
from .models import (
    Account,
    Fungsi,
    ProgramCode,
    ReferenceCode,
    RegulationVersion,
    SumberDana,
    VillageAccount,
    VillageActivity,
)

# --- catalogue ---------------------------------------------------------------------------------------------------


def _meta(model: Any) -> Any:
    return model._meta


def code_list(slug: str) -> CodeList:
    """The code list behind a URL slug (`program`, `rekening`, …); NotFoundError when unknown."""
    try:
        return CODE_LISTS[slug]
    except KeyError as exc:
        raise NotFoundError() from exc


def public_code_list_summaries() -> list[dict[str, Any]]:
    """Every code list with its number of rows (one count query per list)."""
    return [{"list": cl, "count": cl.model._default_manager.count()} for cl in CODE_LISTS.values()]


def public_versions() -> QuerySet[RegulationVersion]:
    return RegulationVersion.objects.select_related("amends")


def public_version_counts() -> dict[int, dict[str, int]]:
    """{version id: {list slug: rows linked}} — one grouped query per list."""
    result: dict[int, dict[str, int]] = {}
    for cl in CODE_LISTS.values():
        through, _src, dst = _through(cl.model)
        for row in through.objects.values(f"{dst}_id").annotate(n=Count("pk")):
            result.setdefault(row[f"{dst}_id"], {})[cl.slug] = row["n"]
    return result


def version_by_kode(kode: str) -> RegulationVersion | None:
    return RegulationVersion.objects.filter(kode=kode).first()


def versions_for_list(cl: CodeList) -> QuerySet[RegulationVersion]:
    """The versions that have at least one row of this list (for the version filter)."""
    through, _src, dst = _through(cl.model)
    return RegulationVersion.objects.filter(pk__in=through.objects.values(f"{dst}_id"))


def _through(model: type[ReferenceCode]) -> tuple[Any, str, str]:
    m2m = _meta(model).get_field("versions")
    return m2m.remote_field.through, m2m.m2m_field_name(), m2m.m2m_reverse_field_name()


# --- generic list filters ------------------------------------------------------------------------------------------


def in_version(qs: QuerySet, version_code: str) -> QuerySet:
    """Strict version filter: rows linked to `version_code` (no duplicates: one link per row and version)."""
    return qs.filter(versions__kode=version_code)


def search(qs: QuerySet, query: str, scheme: codes.CodeScheme) -> QuerySet:
    """Code-aware search: a code-like query is a prefix in any known width; anything else (including numbers
    that cannot be a code of this list, such as a year) searches the name word by word."""
    query = (query or "").strip()
    if not query:
        return qs
    prefixes = codes.search_prefixes(query, scheme) if codes.looks_like_code(query) else []
    if prefixes:
        condition = Q()
        for prefix in prefixes:
            condition |= Q(kode__startswith=prefix)
        return qs.filter(condition)
    condition = Q()
    for word in query.split():
        condition &= Q(nama__icontains=word)
    return qs.filter(condition)


def filter_level(qs: QuerySet, tingkat: str, cl: CodeList) -> QuerySet:
    """`tingkat` as a level name (`sub_kegiatan`) or a number (5)."""
    tingkat = (tingkat or "").strip()
    if not tingkat:
        return qs
    if tingkat.isdigit():
        return qs.filter(level=int(tingkat))
    if tingkat not in cl.levels.values:
        return qs.none()
    return qs.filter(tingkat=tingkat)


def filter_parent(qs: QuerySet, induk: str, cl: CodeList) -> QuerySet:
    """Children of one code (drill-down); an unreadable parent code matches nothing."""
    induk = (induk or "").strip()
    if not induk:
        return qs
    try:
        return qs.filter(parent__kode=cl.normalize(induk))
    except codes.InvalidCodeError:
        return qs.none()


def with_list_relations(qs: QuerySet) -> QuerySet:
    """What a list row shows without a query per row: parent, versions, and whether it has children."""
    model = qs.model
    return (
        qs.select_related("parent")
        .prefetch_related(
            Prefetch("versions", queryset=RegulationVersion.objects.only("pk", "kode", "singkatan", "tanggal"))
        )
        .annotate(has_children=Exists(model._default_manager.filter(parent=OuterRef("pk"))))
    )


def public_codes(
    cl: CodeList, *, q: str = "", versi: str = "", tingkat: str = "", induk: str = ""
) -> QuerySet[ReferenceCode]:
    """Rows of one list filtered by search text, version, level and parent, with their list relations."""
    qs = cl.model._default_manager.all()
    if versi:
        qs = in_version(qs, versi)
    qs = filter_level(qs, tingkat, cl)
    qs = filter_parent(qs, induk, cl)
    qs = search(qs, q, cl.scheme)
    return with_list_relations(qs).order_by("kode")


def public_code(cl: CodeList, kode: str) -> ReferenceCode | None:
    """One code with its ancestors (one query) and versions; accepts any known width of the code.

    A program code under program 01 of a bidang (`5.01.01.2.01.0001`) resolves to its `X.XX.01` annex row.
    """
    try:
        canonical = cl.normalize(kode)
    except codes.InvalidCodeError:
        return None
    depth = "__".join(["parent"] * max(cl.max_level - 1, 1))
    manager: Any = cl.model._default_manager
    qs = manager.select_related(depth).prefetch_related(Prefetch("versions", queryset=RegulationVersion.objects.all()))
    obj = qs.filter(kode=canonical).first()
    if obj is None and cl.model is ProgramCode:
        general = codes.generalize_support_code(canonical)
        if general:
            obj = qs.filter(kode=general).first()
    return obj


def code_ancestors(obj: ReferenceCode) -> list[ReferenceCode]:
    """From the top level down to the direct parent (uses the select_related chain of `public_code`)."""
    chain: list[ReferenceCode] = []
    node = obj.parent  # type: ignore[attr-defined]
    while node is not None:
        chain.insert(0, node)
        node = node.parent
    return chain


def code_children(obj: ReferenceCode, *, versi: str = "") -> QuerySet[ReferenceCode]:
    manager: Any = type(obj)._default_manager
    qs = manager.filter(parent=obj)
    if versi:
        qs = in_version(qs, versi)
    return with_list_relations(qs).order_by("kode")


# --- typed lookups for the domain modules -------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySubKegiatan:
    """A sub-kegiatan as one agency budgets it: its own code (support program expanded) and the reference row."""

    kode: str
    code: ProgramCode


def program_codes_for_version(version_code: str, *, tingkat: str | None = None) -> QuerySet[ProgramCode]:
    """Program nomenclature rows of one version (strict)."""
    qs = in_version(ProgramCode.objects.all(), version_code)
    if tingkat:
        qs = qs.filter(tingkat=tingkat)
    return qs.order_by("kode")


def sub_kegiatan_for_version(version_code: str) -> QuerySet[ProgramCode]:
    """Every sub-kegiatan of one nomenclature version (X.XX support rows in their annex form)."""
    return program_codes_for_version(version_code, tingkat="sub_kegiatan").select_related("parent")


def sub_kegiatan_by_kode(kode: str, *, version_code: str) -> ProgramCode | None:
    """A sub-kegiatan of `version_code` by code in any width; an agency's support code finds its X.XX row."""
    try:
        canonical = codes.normalize_program_code(kode)
    except codes.InvalidCodeError:
        return None
    candidates = [canonical]
    general = codes.generalize_support_code(canonical)
    if general:
        candidates.append(general)
    found = {
        row.kode: row
        for row in in_version(ProgramCode.objects.filter(kode__in=candidates, tingkat="sub_kegiatan"), version_code)
    }
    return next((found[c] for c in candidates if c in found), None)


def sub_kegiatan_for_bidang(bidang: str, *, version_code: str) -> list[AgencySubKegiatan]:
    """The sub-kegiatan an agency of bidang `bidang` (e.g. `5.01`) may budget in a version, support program
    expanded to its own bidang code (`X.XX.01.2.01.0001` → `5.01.01.2.01.0001`)."""
    canonical = codes.normalize(bidang, codes.URUSAN)
    rows = sub_kegiatan_for_version(version_code).filter(
        Q(kode__startswith=f"{canonical}.") | Q(kode__startswith="X.XX.")
    )
    out = [AgencySubKegiatan(codes.expand_support_code(row.kode, canonical), row) for row in rows]
    return sorted(out, key=lambda item: item.kode)


def accounts_for_version(
    version_code: str, *, postable_only: bool = False, cumulative: bool = True
) -> QuerySet[Account]:
    """Accounts valid under a version: its own rows plus those of the versions it amends (cumulative)."""
    version = version_by_kode(version_code)
    if version is None:
        return Account.objects.none()
    version_ids = [v.pk for v in (version.lineage() if cumulative else [version])]
    through, src, dst = _through(Account)
    qs = Account.objects.filter(pk__in=through.objects.filter(**{f"{dst}_id__in": version_ids}).values(f"{src}_id"))
    if postable_only:
        qs = qs.filter(is_postable=True)
    return qs.order_by("kode")


def account_by_kode(kode: str, *, version_code: str | None = None) -> Account | None:
    """An account by code in any width (2019 3-digit, 2021 4-digit, 2026 3/5-digit, dropped jenis zero)."""
    try:
        canonical = codes.normalize_account_code(kode)
    except codes.InvalidCodeError:
        return None
    qs = accounts_for_version(version_code) if version_code else Account.objects.all()
    return qs.filter(kode=canonical).first()


def postable_account_by_kode(kode: str, *, version_code: str | None = None) -> Account | None:
    """A level-6 (sub rincian objek) account by code; None for any higher level."""
    account = account_by_kode(kode, version_code=version_code)
    return account if account is not None and account.is_postable else None


def _by_kode(model: type[ReferenceCode], scheme: codes.CodeScheme, kode: str) -> Any:
    try:
        canonical = codes.normalize(kode, scheme)
    except codes.InvalidCodeError:
        return None
    return model._default_manager.filter(kode=canonical).first()


def sumber_dana_by_kode(kode: str) -> SumberDana | None:
    return _by_kode(SumberDana, codes.SUMBER_DANA, kode)


def fungsi_by_kode(kode: str) -> Fungsi | None:
    return _by_kode(Fungsi, codes.FUNGSI, kode)


def village_activity_by_kode(kode: str) -> VillageActivity | None:
    """A village bidang/sub-bidang/kegiatan; accepts Siskeudes' trailing dot (`01.01.01.`)."""
    return _by_kode(VillageActivity, codes.VILLAGE_ACTIVITY, kode)


def village_account_by_kode(kode: str) -> VillageAccount | None:
    """A village account; accepts `4.2.1`, `4 2 1` and Siskeudes' `4.2.1.` forms."""
    return _by_kode(VillageAccount, codes.VILLAGE_ACCOUNT, kode)
