"""Reads of the standard price catalogue and its proposals, scoped to the user (public reads are `public_*`).

Who reads the catalogue of a pemda: anyone holding a budgeting role there (agency staff, TAPD, BPKAD, Bappeda,
administrator, auditor, Sekda, DPRD). Proposals: an agency sees its own; pemda-wide reviewers and readers see the
pemda's. The public sees the catalogue of fiscal years that have at least one published stage.
Missing and forbidden look the same (None / empty queryset).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When

from terang.accounts.permissions import pemda_ids, scope_filter
from terang.reference import codes
from terang.reference.models import Account

from .choices import CatalogueKind, StageStatus
from .models import FiscalYear, PriceChange, PriceItem, PriceProposal, Stage

READ_ACTIONS = ("budget.view", "pemda.view_all", "catalogue.import", "catalogue.propose", "catalogue.review_admin",
                "catalogue.review_tapd")
PROPOSAL_READ_ACTIONS = ("catalogue.propose", "catalogue.review_admin", "catalogue.review_tapd", "pemda.view_all")
THROUGH = PriceItem.allowed_accounts.through
SEARCH_LIMIT = 20


# --- fiscal years ---------------------------------------------------------------------------------------------------


def catalogue_pemda_ids(*, user: Any) -> set[int]:
    """Pemda whose catalogue `user` may read."""
    ids: set[int] = set()
    for action in READ_ACTIONS:
        ids |= pemda_ids(user, action)
    return ids


def catalogue_fiscal_years_for_user(*, user: Any, action: str | None = None) -> QuerySet[FiscalYear]:
    """Fiscal years of the pemda whose catalogue the user reads (or where the user holds `action`), newest first."""
    ids = pemda_ids(user, action) if action else catalogue_pemda_ids(user=user)
    return (FiscalYear.objects.filter(pemda_id__in=sorted(ids)).select_related("pemda", "account_version")
            .order_by("-tahun", "pemda__kode"))


def catalogue_fiscal_year_for_user(
    *, user: Any, pk: Any = None, tahun: Any = None, pemda: str = "", action: str | None = None
) -> FiscalYear | None:
    """One fiscal year by id, or by year (and pemda code when the user works for several); default: the newest."""
    qs = catalogue_fiscal_years_for_user(user=user, action=action)
    try:
        if pk not in (None, ""):
            return qs.filter(pk=int(pk)).first()
        if tahun not in (None, ""):
            qs = qs.filter(tahun=int(tahun))
    except (TypeError, ValueError):
        return None
    if pemda:
        qs = qs.filter(pemda__kode=pemda)
    return qs.first()


# --- search --------------------------------------------------------------------------------------------------------


def _text_condition(q: str, *, with_spec: bool) -> Q:
    """A code prefix (`1.1.12.01`), or every word in the name (and the specification, on the list page); a query
    starting with a digit may be either. Words alone keep the condition usable by a trigram index on the name."""
    q = (q or "").strip()
    by_code = Q(kode__startswith=q)
    if codes.looks_like_code(q) and "." in q:
        return by_code
    words = Q()
    for word in q.split()[:6]:
        part = Q(nama__icontains=word)
        if with_spec:
            part |= Q(spesifikasi__icontains=word)
        words &= part
    return by_code | words if q[:1].isdigit() else words


def _account_condition(rekening: str) -> Q | None:
    """Items allowing one account (full code, any width) or any account under a prefix; None: unreadable code."""
    try:
        canonical = codes.normalize_account_code(rekening)
    except codes.InvalidCodeError:
        return None
    if canonical.count(".") == 5:
        return Q(pk__in=THROUGH.objects.filter(account__kode=canonical).values("priceitem_id"))
    return Q(Exists(THROUGH.objects.filter(priceitem_id=OuterRef("pk"), account__kode__startswith=canonical + ".")))


def filter_items(qs: QuerySet[PriceItem], *, q: str = "", jenis: str = "", rekening: str = "",
                 with_spec: bool = True) -> QuerySet[PriceItem]:
    if q and q.strip():
        qs = qs.filter(_text_condition(q, with_spec=with_spec))
    if jenis:
        qs = qs.filter(kind=jenis) if jenis in CatalogueKind.values else qs.none()
    if rekening and rekening.strip():
        condition = _account_condition(rekening.strip())
        qs = qs.filter(condition) if condition is not None else qs.none()
    return qs


def with_accounts(qs: QuerySet[PriceItem]) -> QuerySet[PriceItem]:
    return qs.prefetch_related(Prefetch("allowed_accounts", queryset=Account.objects.only("pk", "kode", "nama")
                                        .order_by("kode")))


def price_items_for_user(
    *, user: Any, fiscal_year: FiscalYear, q: str = "", jenis: str = "", rekening: str = ""
) -> QuerySet[PriceItem]:
    """Items of one fiscal year (with their allowed accounts), filtered; empty when the user may not read it."""
    if fiscal_year.pemda_id not in catalogue_pemda_ids(user=user):
        return PriceItem.objects.none()
    qs = PriceItem.objects.filter(fiscal_year=fiscal_year)
    qs = filter_items(qs, q=q, jenis=jenis, rekening=rekening)
    return with_accounts(qs).order_by("kode", "zone")


def price_item_for_user(*, user: Any, pk: Any) -> PriceItem | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    ids = catalogue_pemda_ids(user=user)
    return (with_accounts(PriceItem.objects.filter(pk=pk, pemda_id__in=sorted(ids)))
            .select_related("fiscal_year__pemda").first())


def price_item_history(item: PriceItem) -> QuerySet[PriceChange]:
    """Every change of an item (imports and proposals), newest date first."""
    return (PriceChange.objects.filter(item=item).select_related("proposal__organisation")
            .prefetch_related(Prefetch("added_accounts", queryset=Account.objects.only("pk", "kode")))
            .order_by("-effective_from", "-pk"))


@dataclass(frozen=True)
class SearchHit:
    id: int
    kode: str
    nama: str
    spesifikasi: str
    satuan: str
    harga: Decimal
    jenis: str
    rekening: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kode": self.kode, "nama": self.nama, "spesifikasi": self.spesifikasi,
                "satuan": self.satuan, "harga": str(self.harga), "jenis": self.jenis, "rekening": self.rekening}


def catalogue_search(*, fiscal_year: FiscalYear, q: str = "", rekening: str = "",
                     limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Search-as-you-type for the line-entry page: active items whose name contains every word of `q` (or whose
    code starts with it), only those allowing `rekening` when given; names starting with `q` first. Two queries.

    The caller has already checked that the user may read `fiscal_year`.
    """
    q = (q or "").strip()
    qs = PriceItem.objects.filter(fiscal_year=fiscal_year, is_active=True)
    qs = filter_items(qs, q=q, rekening=rekening, with_spec=False)
    if q:
        qs = qs.annotate(rank=Case(When(nama__istartswith=q, then=Value(0)), default=Value(1),
                                   output_field=IntegerField()))
        qs = qs.order_by("rank", "nama", "kode", "zone")
    else:
        qs = qs.order_by("nama", "kode", "zone")
    rows = list(qs.values_list("pk", "kode", "nama", "spesifikasi", "satuan", "harga", "kind")[:limit])
    accounts: dict[int, list[str]] = {}
    if rows:
        for item_id, kode in (THROUGH.objects.filter(priceitem_id__in=[r[0] for r in rows])
                              .order_by("account__kode").values_list("priceitem_id", "account__kode")):
            accounts.setdefault(item_id, []).append(kode)
    return [SearchHit(id=pk, kode=kode, nama=nama, spesifikasi=spek, satuan=satuan, harga=harga, jenis=kind,
                      rekening=accounts.get(pk, [])) for pk, kode, nama, spek, satuan, harga, kind in rows]


# --- proposals -----------------------------------------------------------------------------------------------------


def _proposal_scope(user: Any) -> Q:
    condition = Q(pk__in=[])
    for action in PROPOSAL_READ_ACTIONS:
        condition |= scope_filter(user, action, region_field=None)
    return condition


def price_proposals_for_user(*, user: Any) -> QuerySet[PriceProposal]:
    """Proposals the user may read: its agency's (agency staff) or the pemda's (administrator, TAPD, readers)."""
    return (PriceProposal.objects.filter(_proposal_scope(user))
            .select_related("organisation", "item", "fiscal_year", "created_by")
            .order_by("-created_at", "-pk"))


def price_proposal_for_user(*, user: Any, pk: Any) -> PriceProposal | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (price_proposals_for_user(user=user).filter(pk=pk)
            .select_related("fiscal_year__account_version", "fiscal_year__pemda")
            .prefetch_related("accounts", "evidence", "changes").first())


# --- public --------------------------------------------------------------------------------------------------------


def public_catalogue_fiscal_years() -> QuerySet[FiscalYear]:
    """Fiscal years whose catalogue is public: at least one published stage."""
    published = Stage.objects.filter(fiscal_year=OuterRef("pk"), status=StageStatus.PUBLISHED)
    return FiscalYear.objects.filter(Exists(published), pemda__is_active=True)


def public_price_items(*, tahun: Any = None, pemda: str = "", jenis: str = "", rekening: str = "",
                       q: str = "") -> QuerySet[PriceItem]:
    """Active items of public fiscal years, filtered, with their accounts, fiscal year and pemda."""
    qs = PriceItem.objects.filter(fiscal_year__in=public_catalogue_fiscal_years(), is_active=True)
    if tahun not in (None, ""):
        try:
            qs = qs.filter(fiscal_year__tahun=int(tahun))
        except (TypeError, ValueError):
            return qs.none()
    if pemda:
        qs = qs.filter(pemda__kode=pemda)
    qs = filter_items(qs, q=q, jenis=jenis, rekening=rekening)
    return with_accounts(qs).select_related("fiscal_year", "pemda").order_by("pemda__kode", "-fiscal_year__tahun",
                                                                              "kode", "zone")


def public_price_item(pk: Any) -> PriceItem | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return public_price_items().filter(pk=pk).first()


def public_price_history(item: PriceItem) -> list[PriceChange]:
    """Applied changes of a public item, newest first."""
    return list(PriceChange.objects.filter(item=item, applied=True).order_by("-effective_from", "-pk"))
