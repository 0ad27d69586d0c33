"""Read-only admin for the national code lists (changes go through loaders and the annex importer)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import (
    Account,
    Fungsi,
    ProgramCode,
    RegulationVersion,
    SumberDana,
    Urusan,
    VillageAccount,
    VillageActivity,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RegulationVersion)
class RegulationVersionAdmin(ReadOnlyAdmin):
    list_display = ["kode", "singkatan", "jenis", "tanggal", "amends"]


class CodeAdmin(ReadOnlyAdmin):
    list_display = ["kode", "nama", "tingkat", "level"]
    list_filter = ["tingkat", "versions"]
    search_fields = ["kode", "nama"]
    list_select_related = ["parent"]


for model in (Urusan, ProgramCode, Account, Fungsi, SumberDana, VillageActivity, VillageAccount):
    admin.site.register(model, CodeAdmin)
