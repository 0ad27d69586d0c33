from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PEMDA_ADMIN = "pemda_admin", _("Administrator pemda")  # manages users, agencies and reference data of a pemda
    BAPPEDA_PLANNER = "bappeda_planner", _("Perencana Bappeda")  # RPJMD/RKPD, Musrenbang, ceilings
    TAPD_VERIFIER = "tapd_verifier", _("Verifikator TAPD")  # verifies RKA line by line
    BPKAD_OFFICER = "bpkad_officer", _("Pejabat BPKAD/PPKD")  # budget stages, DPA, cash plan, village transfers
    OPD_OPERATOR = "opd_operator", _("Operator OPD")  # enters plans and budget lines of one agency
    OPD_HEAD = "opd_head", _("Kepala Perangkat Daerah")  # submits the agency's documents
    KECAMATAN_VERIFIER = "kecamatan_verifier", _("Verifikator kecamatan (camat)")  # reviews villages of a kecamatan
    DPMD_VERIFIER = "dpmd_verifier", _("Verifikator DPMD")  # reviews APBDes regency-wide
    VILLAGE_OPERATOR = "village_operator", _("Operator desa")  # enters the APBDes of one desa
    VILLAGE_HEAD = "village_head", _("Kepala desa")  # submits the APBDes of one desa
    DPRD_MEMBER = "dprd_member", _("Anggota DPRD")  # Pokir proposals, reads drafts under discussion
    AUDITOR = "auditor", _("Inspektur/auditor")  # reads everything in the pemda, including the audit trail
    SEKDA = "sekda", _("Sekretaris Daerah")  # approves use of money planned for a locked (past) quarter


class ScopeKind(models.TextChoices):
    PEMDA = "pemda", _("Seluruh pemda")
    ORGANISATION = "organisation", _("Perangkat daerah")
    KECAMATAN = "kecamatan", _("Kecamatan")
    DESA = "desa", _("Desa")


# Which scope each role's membership carries (the membership must name that scope).
ROLE_SCOPE: dict[str, str] = {
    Role.PEMDA_ADMIN: ScopeKind.PEMDA,
    Role.BAPPEDA_PLANNER: ScopeKind.PEMDA,
    Role.TAPD_VERIFIER: ScopeKind.PEMDA,
    Role.BPKAD_OFFICER: ScopeKind.PEMDA,
    Role.OPD_OPERATOR: ScopeKind.ORGANISATION,
    Role.OPD_HEAD: ScopeKind.ORGANISATION,
    Role.KECAMATAN_VERIFIER: ScopeKind.KECAMATAN,
    Role.DPMD_VERIFIER: ScopeKind.PEMDA,
    Role.VILLAGE_OPERATOR: ScopeKind.DESA,
    Role.VILLAGE_HEAD: ScopeKind.DESA,
    Role.DPRD_MEMBER: ScopeKind.PEMDA,
    Role.AUDITOR: ScopeKind.PEMDA,
    Role.SEKDA: ScopeKind.PEMDA,
}
