"""Forms of the org staff pages. They parse input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation
from .services import PROFILE_FIELDS


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ProfileRequestForm(forms.Form):
    """The proposed profile of an agency; the fields that differ from the current profile become the request."""

    kepala_nama = forms.CharField(label=_("Nama kepala"), max_length=150, required=False)
    kepala_nip = forms.CharField(label=_("NIP kepala"), max_length=30, required=False,
                                 help_text=_("18 angka, tanpa spasi."))
    alamat = forms.CharField(label=_("Alamat"), max_length=255, required=False)
    telepon = forms.CharField(label=_("Telepon"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    singkatan = forms.CharField(label=_("Singkatan"), max_length=60, required=False)
    alasan = forms.CharField(label=_("Alasan perubahan"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        _bootstrap(self)

    def changes(self) -> dict[str, str]:
        """The fields whose proposed value differs from the agency's current profile."""
        org = self.organisation
        return {
            name: self.cleaned_data[name].strip()
            for name in PROFILE_FIELDS
            if self.cleaned_data.get(name, "").strip() != getattr(org, name)
        }


def profile_initial(organisation: Organisation, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Initial form values: the current profile overlaid with requested changes."""
    initial = {name: getattr(organisation, name) for name in PROFILE_FIELDS}
    initial.update(changes or {})
    return initial


class TransitionForm(forms.Form):
    """A status change button: the target status, an optional/required reason and the version shown."""

    to_status = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Alasan / catatan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
