"""Filter form of the auditor page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from .events import EventType
from .models import ChangeRecord
from .selectors import AuditFilters


def object_type_choices() -> list[str]:
    """Known model labels ("org.organisation"), offered as suggestions for the object-type filter."""
    skip = ("admin.", "sessions.", "contenttypes.", "django_tasks", "axes.", "otp_", "authtoken.")
    return sorted(m._meta.label_lower for m in apps.get_models() if not m._meta.label_lower.startswith(skip))


class AuditFilterForm(forms.Form):
    """Filters for change records and events. Field names are the query-string keys."""

    objek = forms.CharField(label=_("Jenis objek"), required=False, max_length=100,
                            widget=forms.TextInput(attrs={"list": "jenis-objek", "placeholder": "org.organisation"}))
    id = forms.CharField(label=_("ID objek"), required=False, max_length=64)
    pelaku = forms.CharField(label=_("Pelaku (nama pengguna)"), required=False, max_length=150)
    dari = forms.DateField(label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sampai = forms.DateField(label=_("Sampai tanggal"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    tindakan = forms.ChoiceField(label=_("Tindakan"), required=False,
                                 choices=[("", _("Semua")), *ChangeRecord.Action.choices])
    peristiwa = forms.TypedChoiceField(label=_("Jenis peristiwa"), required=False, coerce=int, empty_value=None,
                                       choices=lambda: [("", _("Semua")), *[(e.value, e.label) for e in EventType]])
    pemda = forms.TypedChoiceField(label=_("Pemda"), required=False, coerce=int, empty_value=None, choices=())

    def __init__(self, *args: Any, pemda_choices: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["pemda"]).choices = [("", _("Semua")), *(pemda_choices or [])]
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            css = "form-select form-select-sm" if select else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("dari") and data.get("sampai") and data["dari"] > data["sampai"]:
            raise forms.ValidationError(_("Tanggal awal harus sebelum tanggal akhir."))
        return data

    def filters(self) -> AuditFilters:
        """The valid filters (an invalid form filters nothing beyond scope)."""
        if not self.is_valid():
            return AuditFilters()
        d = self.cleaned_data
        return AuditFilters(
            object_type=d.get("objek", "").strip(),
            object_id=d.get("id", "").strip(),
            actor=d.get("pelaku", "").strip(),
            date_from=d.get("dari"),
            date_to=d.get("sampai"),
            action=d.get("tindakan", ""),
            event_type=d.get("peristiwa"),
            pemda_id=d.get("pemda"),
        )
