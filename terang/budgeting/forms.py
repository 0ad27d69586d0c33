"""Forms of RKA entry. They only parse what the user typed; the rules live in the line services, so a form that
validates can still be refused by the service (its Indonesian message is shown under the row)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terang.core.money import format_number, to_decimal
from terang.org.models import Organisation, Region
from terang.reference.models import SumberDana
from terang.reference.selectors import sub_kegiatan_for_bidang

from .choices import LineType
from .models import BudgetLine, FiscalYear, PriceItem, SubActivityBudget
from .services.lines import LineInput

MONTHS = [
    (1, gettext_lazy("Januari")), (2, gettext_lazy("Februari")), (3, gettext_lazy("Maret")),
    (4, gettext_lazy("April")), (5, gettext_lazy("Mei")), (6, gettext_lazy("Juni")), (7, gettext_lazy("Juli")),
    (8, gettext_lazy("Agustus")), (9, gettext_lazy("September")), (10, gettext_lazy("Oktober")),
    (11, gettext_lazy("November")), (12, gettext_lazy("Desember")),
]
LINE_INPUT_FIELDS = ("account", "kelompok", "keterangan", "line_type", "price_item", "komponen", "uraian",
                     "spesifikasi", "vol1", "sat1", "vol2", "sat2", "vol3", "sat3", "vol4", "sat4", "harga_satuan",
                     "ppn", "sumber_dana")


def sumber_dana_choices(fiscal_year: FiscalYear) -> list[tuple[str, str]]:
    rows = list(SumberDana.objects.filter(versions=fiscal_year.account_version).order_by("kode"))
    if not rows:
        rows = list(SumberDana.objects.order_by("kode"))
    return [(s.kode, f"{s.kode} {s.nama}") for s in rows]


class LineForm(forms.Form):
    """One line as typed in the editor (numbers in Indonesian format are accepted: 1.250.000 or 2,5)."""

    account = forms.CharField(label=gettext_lazy("Rekening"), max_length=40)
    kelompok = forms.CharField(label=gettext_lazy("Kelompok [#]"), max_length=255, required=False)
    keterangan = forms.CharField(label=gettext_lazy("Keterangan [-]"), max_length=255, required=False)
    line_type = forms.ChoiceField(label=gettext_lazy("Jenis"), choices=LineType.choices, initial=LineType.ITEM,
                                  required=False)
    price_item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    komponen = forms.CharField(label=gettext_lazy("Komponen"), max_length=600, required=False)
    uraian = forms.CharField(label=gettext_lazy("Uraian"), max_length=500, required=False)
    spesifikasi = forms.CharField(label=gettext_lazy("Spesifikasi"), required=False)
    vol1 = forms.CharField(label=gettext_lazy("Vol 1"), max_length=30, required=False)
    sat1 = forms.CharField(label=gettext_lazy("Sat 1"), max_length=40, required=False)
    vol2 = forms.CharField(label=gettext_lazy("Vol 2"), max_length=30, required=False)
    sat2 = forms.CharField(label=gettext_lazy("Sat 2"), max_length=40, required=False)
    vol3 = forms.CharField(label=gettext_lazy("Vol 3"), max_length=30, required=False)
    sat3 = forms.CharField(label=gettext_lazy("Sat 3"), max_length=40, required=False)
    vol4 = forms.CharField(label=gettext_lazy("Vol 4"), max_length=30, required=False)
    sat4 = forms.CharField(label=gettext_lazy("Sat 4"), max_length=40, required=False)
    harga_satuan = forms.CharField(label=gettext_lazy("Harga satuan"), max_length=30, required=False)
    ppn = forms.BooleanField(label=gettext_lazy("PPN"), required=False)
    sumber_dana = forms.CharField(label=gettext_lazy("Sumber dana"), max_length=40, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, fiscal_year: FiscalYear, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fiscal_year = fiscal_year

    def resolved_price_item(self) -> int | None:
        """The chosen item id, or the item whose code was typed in the Komponen field (works without JS)."""
        data = self.cleaned_data
        if data.get("price_item"):
            return int(data["price_item"])
        text = (data.get("komponen") or "").strip()
        if not text:
            return None
        kode = text.split()[0]
        return (PriceItem.objects.filter(fiscal_year=self.fiscal_year, kode=kode, is_active=True)
                .order_by("zone").values_list("pk", flat=True).first())

    def to_line_input(self, *, reason: str = "") -> LineInput:
        data = self.cleaned_data
        line_type = data.get("line_type") or LineType.ITEM
        undetailed = line_type == LineType.UNDETAILED
        extra: dict[str, Any] = {"fiscal_year": self.fiscal_year}
        if reason:
            extra["reason"] = reason
        return LineInput(
            account=data["account"].strip(),
            kelompok=data.get("kelompok") or "",
            keterangan=data.get("keterangan") or "",
            line_type=line_type,
            price_item=None if undetailed else self.resolved_price_item(),
            uraian=data.get("uraian") or "",
            spesifikasi=data.get("spesifikasi") or "",
            vol1=_blank_none(data.get("vol1")) if not undetailed else 1,
            sat1=data.get("sat1") or "",
            vol2=_blank_none(data.get("vol2")),
            sat2=data.get("sat2") or "",
            vol3=_blank_none(data.get("vol3")),
            sat3=data.get("sat3") or "",
            vol4=_blank_none(data.get("vol4")),
            sat4=data.get("sat4") or "",
            harga_satuan=_blank_none(data.get("harga_satuan")),
            ppn=bool(data.get("ppn")),
            sumber_dana=_blank_none(data.get("sumber_dana")),
            extra=extra,
        )


def _blank_none(value: Any) -> Any:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def line_initial(line: BudgetLine) -> dict[str, Any]:
    """A saved line as the editor shows it (numbers in Indonesian format)."""
    return {
        "account": line.account.kode,
        "kelompok": line.kelompok,
        "keterangan": line.keterangan,
        "line_type": line.line_type,
        "price_item": line.price_item_id or "",
        "komponen": f"{line.price_item.kode} {line.price_item.nama}" if line.price_item is not None else "",
        "uraian": line.uraian,
        "spesifikasi": line.spesifikasi,
        "vol1": format_number(line.vol1) if line.line_type != LineType.UNDETAILED else "",
        "sat1": line.sat1,
        "vol2": format_number(line.vol2),
        "sat2": line.sat2,
        "vol3": format_number(line.vol3),
        "sat3": line.sat3,
        "vol4": format_number(line.vol4),
        "sat4": line.sat4,
        "harga_satuan": format_number(line.harga_satuan),
        "ppn": line.ppn,
        "sumber_dana": line.sumber_dana.kode if line.sumber_dana is not None else "",
        "version": line.version,
    }


def line_values(data: Any) -> dict[str, Any]:
    """The typed values of a posted line (for re-rendering a row without losing anything)."""
    values = {name: data.get(name, "") for name in LINE_INPUT_FIELDS if name != "ppn"}
    values["ppn"] = data.get("ppn") in ("on", "1", "true", "True", True)
    values["line_type"] = values.get("line_type") or LineType.ITEM
    return values


def parse_decimal(value: Any) -> Decimal | None:
    text = _blank_none(value)
    if text is None:
        return None
    try:
        return to_decimal(text)
    except (InvalidOperation, ValueError):
        return None


# --- sub-kegiatan ---------------------------------------------------------------------------------------------------


def agency_sub_kegiatan_options(organisation: Organisation, fiscal_year: FiscalYear) -> list[dict[str, Any]]:
    """Codes the agency may budget (support program expanded to its bidang), with their metadata for prefill."""
    seen: dict[str, dict[str, Any]] = {}
    for bidang in [b for b in organisation.bidang_urusan.split(";") if b]:
        for option in sub_kegiatan_for_bidang(bidang, version_code=fiscal_year.program_version.kode):
            seen.setdefault(option.kode, {"kode": option.kode, "nama": option.code.nama,
                                          "indikator": option.code.indikator, "satuan": option.code.satuan})
    return sorted(seen.values(), key=lambda o: o["kode"])


def lokasi_choices(fiscal_year: FiscalYear) -> list[tuple[str, list[tuple[int, str]]]]:
    """The pemda's kecamatan, each with its desa/kelurahan (grouped for a multi-select)."""
    root = fiscal_year.pemda.region
    regions = list(Region.objects.filter(Q(pk=root.pk) | Q(parent=root) | Q(parent__parent=root))
                   .only("pk", "kode", "nama", "level", "parent_id").order_by("kode"))
    groups: list[tuple[str, list[tuple[int, str]]]] = [(str(root.nama), [(root.pk, _("Seluruh %(nama)s")
                                                                         % {"nama": root.nama})])]
    by_parent: dict[int, list[Region]] = {}
    for region in regions:
        if region.parent_id:
            by_parent.setdefault(region.parent_id, []).append(region)
    for kec in by_parent.get(root.pk, []):
        options = [(kec.pk, _("Kec. %(nama)s (seluruh kecamatan)") % {"nama": kec.nama})]
        options += [(r.pk, f"{r.nama} ({r.get_level_display()})") for r in by_parent.get(kec.pk, [])]
        groups.append((str(kec.nama), options))
    return groups


class SubActivityForm(forms.Form):
    """Add (with `kode`) or change a sub-kegiatan of an agency's RKA."""

    kode = forms.CharField(label=gettext_lazy("Sub kegiatan"), max_length=40)
    lokasi = forms.TypedMultipleChoiceField(label=gettext_lazy("Lokasi"), coerce=int, required=False,
                                            help_text=gettext_lazy("Boleh lebih dari satu, sampai desa/kelurahan."))
    indikator = forms.CharField(label=gettext_lazy("Indikator keluaran"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    target = forms.CharField(label=gettext_lazy("Target"), max_length=30, required=False)
    satuan = forms.CharField(label=gettext_lazy("Satuan"), max_length=100, required=False)
    bulan_mulai = forms.TypedChoiceField(label=gettext_lazy("Bulan mulai"), choices=MONTHS, coerce=int, initial=1)
    bulan_selesai = forms.TypedChoiceField(label=gettext_lazy("Bulan selesai"), choices=MONTHS, coerce=int,
                                           initial=12)
    sumber_dana = forms.ChoiceField(label=gettext_lazy("Sumber dana"), required=False)
    planning_trace = forms.CharField(label=gettext_lazy("Rujukan RKPD/Renja"), max_length=255, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organisation: Organisation, fiscal_year: FiscalYear,
                 instance: SubActivityBudget | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fiscal_year = fiscal_year
        self.instance = instance
        self.options = agency_sub_kegiatan_options(organisation, fiscal_year) if instance is None else []
        groups = lokasi_choices(fiscal_year)
        lokasi_field: Any = self.fields["lokasi"]
        lokasi_field.choices = groups
        sumber_field: Any = self.fields["sumber_dana"]
        sumber_field.choices = [("", _("— belum dipilih —")), *sumber_dana_choices(fiscal_year)]
        for name in ("bulan_mulai", "bulan_selesai", "sumber_dana"):
            self.fields[name].widget.attrs["class"] = "form-select"
        lokasi_field.widget.attrs.update({"class": "form-select", "size": "10", "data-role": "lokasi"})
        if instance is not None:
            del self.fields["kode"]

    def clean_target(self) -> Decimal | None:
        value = self.cleaned_data.get("target")
        if not value:
            return None
        parsed = parse_decimal(value)
        if parsed is None:
            raise forms.ValidationError(_("Target harus berupa angka."))
        return parsed

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for sub_activity_create/update. Empty indikator/satuan fall back to the nomenclature."""
        data = self.cleaned_data
        sumber = SumberDana.objects.filter(kode=data["sumber_dana"]).first() if data.get("sumber_dana") else None
        fields: dict[str, Any] = {
            "lokasi": Region.objects.filter(pk__in=data.get("lokasi") or []),
            "target": data.get("target"),
            "bulan_mulai": data["bulan_mulai"],
            "bulan_selesai": data["bulan_selesai"],
            "sumber_dana": sumber,
            "planning_trace": data.get("planning_trace") or "",
            "indikator": data.get("indikator") or None,
            "satuan": data.get("satuan") or None,
        }
        if self.instance is not None:
            fields["indikator"] = fields["indikator"] or ""
            fields["satuan"] = fields["satuan"] or ""
        return fields


def sub_activity_initial(sub: SubActivityBudget) -> dict[str, Any]:
    return {
        "lokasi": [r.pk for r in sub.lokasi.all()],
        "indikator": sub.indikator,
        "target": format_number(sub.target) if sub.target is not None else "",
        "satuan": sub.satuan,
        "bulan_mulai": sub.bulan_mulai,
        "bulan_selesai": sub.bulan_selesai,
        "sumber_dana": sub.sumber_dana.kode if sub.sumber_dana is not None else "",
        "planning_trace": sub.planning_trace,
        "version": sub.version,
    }


class RkaImportForm(forms.Form):
    """Upload of an RKA workbook (.xlsx) for a dry run."""

    berkas = forms.FileField(label=gettext_lazy("Berkas Excel (.xlsx)"))

    def clean_berkas(self) -> Any:
        upload = self.cleaned_data["berkas"]
        name = (upload.name or "").lower()
        if not name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
            raise forms.ValidationError(_("Unggah berkas Excel (.xlsx)."))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("Berkas lebih dari 20 MB."))
        return upload
