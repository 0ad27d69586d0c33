"""Staff pages of the org app: permission matrix, scope (404 outside), forms, buttons, pinned query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from terang.accounts.testing import force_login_verified as login
from terang.org.choices import ProfileRequestStatus as S
from terang.org.models import Organisation, OrganisationProfileRequest
from terang.org.services import profile_request_create, profile_request_submit
from terang.testing.factories import OrganisationFactory, UserFactory

from .conftest import state

pytestmark = pytest.mark.django_db

CHANGES = {"kepala_nama": "dr. Siti Aminah"}


@pytest.fixture
def draft(opd, people):
    return profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)


@pytest.fixture
def submitted(opd, people):
    req = profile_request_create(organisation=opd, actor=people["operator"], changes={"alamat": "Jl. Baru"})
    return profile_request_submit(profile_request=req, actor=people["head"])


def _pks(response, key="page"):
    return [o.pk for o in response.context[key]]


# --- anonymous and no role ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), [
    ("org:index", []), ("org:organisation_detail", [1]), ("org:profile_request_list", []),
    ("org:profile_request_create", []), ("org:profile_request_detail", [1]), ("org:profile_request_edit", [1]),
])
def test_anonymous_is_sent_to_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_user_without_membership_sees_nothing(client, opd, draft):
    login(client, UserFactory())
    assert _pks(client.get(reverse("org:index"))) == []
    assert _pks(client.get(reverse("org:profile_request_list"))) == []
    assert client.get(reverse("org:organisation_detail", args=[opd.pk])).status_code == 404
    assert client.get(reverse("org:profile_request_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("org:profile_request_create")).status_code == 403


# --- agencies ----------------------------------------------------------------------------------------------------


def test_agency_list_is_scoped(client, pemda, opd, other_opd, people):
    unit = OrganisationFactory(pemda=pemda, parent=opd, nama="Puskesmas Uji")
    login(client, people["operator"])
    assert sorted(_pks(client.get(reverse("org:index")))) == sorted([opd.pk, unit.pk])
    login(client, people["admin"])
    assert sorted(_pks(client.get(reverse("org:index")))) == sorted([opd.pk, other_opd.pk, unit.pk])
    login(client, people["other_admin"])
    assert _pks(client.get(reverse("org:index"))) == []


def test_agency_list_search(client, opd, other_opd, people):
    login(client, people["admin"])
    assert _pks(client.get(reverse("org:index"), {"q": "Pendidikan"})) == [other_opd.pk]


def test_agency_list_query_count_is_pinned(client, pemda, people, django_assert_num_queries):
    login(client, people["admin"])
    # session, user, OTP device, memberships, count, page (pemda/parent/region joined)
    with django_assert_num_queries(6):
        client.get(reverse("org:index"))
    for _ in range(30):
        OrganisationFactory(pemda=pemda)
    with django_assert_num_queries(6):
        response = client.get(reverse("org:index"))
    assert len(response.context["page"]) == 32


def test_agency_detail_is_scoped(client, opd, other_opd, people):
    login(client, people["other_operator"])
    assert client.get(reverse("org:organisation_detail", args=[opd.pk])).status_code == 404
    assert client.get(reverse("org:organisation_detail", args=[other_opd.pk])).status_code == 200
    login(client, people["other_admin"])
    assert client.get(reverse("org:organisation_detail", args=[opd.pk])).status_code == 404


def test_agency_detail_shows_profile_requests_and_history(client, opd, people, submitted):
    from terang.org.services import profile_request_approve

    profile_request_approve(profile_request=submitted, actor=people["admin"])
    login(client, people["operator"])
    response = client.get(reverse("org:organisation_detail", args=[opd.pk]))
    assert response.status_code == 200
    assert _pks(response, "requests") == [submitted.pk]
    assert [(h.action, h.after) for h in response.context["history"]] == [("update", {"alamat": "Jl. Baru"})]
    assert response.context["can_request"] is True
    assert "Jl. Baru" in response.content.decode()


# --- request list and detail ---------------------------------------------------------------------------------------


def test_request_list_is_scoped(client, opd, other_opd, people, draft, submitted):
    theirs = profile_request_create(organisation=other_opd, actor=people["other_operator"], changes=CHANGES)
    login(client, people["operator"])
    assert _pks(client.get(reverse("org:profile_request_list"))) == [submitted.pk, draft.pk]
    login(client, people["other_operator"])
    assert _pks(client.get(reverse("org:profile_request_list"))) == [theirs.pk]
    login(client, people["admin"])
    assert _pks(client.get(reverse("org:profile_request_list"))) == [theirs.pk, submitted.pk, draft.pk]
    assert _pks(client.get(reverse("org:profile_request_list"), {"status": "submitted"})) == [submitted.pk]
    login(client, people["auditor"])
    assert len(_pks(client.get(reverse("org:profile_request_list")))) == 3
    login(client, people["other_admin"])
    assert _pks(client.get(reverse("org:profile_request_list"))) == []


def test_request_list_query_count_is_pinned(client, opd, people, django_assert_num_queries):
    login(client, people["operator"])
    profile_request_create(organisation=opd, actor=people["operator"], changes=CHANGES)
    # session, user, OTP device, memberships, count, page (organisation/pemda/creator joined), can-create check
    with django_assert_num_queries(7):
        client.get(reverse("org:profile_request_list"))
    for i in range(20):
        profile_request_create(organisation=opd, actor=people["operator"], changes={"alamat": f"Jl. {i}"})
    with django_assert_num_queries(7):
        response = client.get(reverse("org:profile_request_list"))
    assert len(response.context["page"]) == 21


@pytest.mark.parametrize("who", ["other_operator", "other_head", "other_admin", "nobody"])
def test_request_detail_outside_scope_is_404(client, people, draft, who):
    login(client, people[who])
    assert client.get(reverse("org:profile_request_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("org:profile_request_edit", args=[draft.pk])).status_code == 404
    before = state(draft)
    response = client.post(reverse("org:profile_request_transition", args=[draft.pk]),
                           {"to_status": "submitted", "version": 1})
    assert response.status_code == 404
    assert state(draft) == before


def test_request_detail_offers_the_right_buttons(client, people, draft, submitted):
    def buttons(who, req):
        login(client, people[who])
        response = client.get(reverse("org:profile_request_detail", args=[req.pk]))
        assert response.status_code == 200
        return [item["option"].to_status for item in response.context["options"]]

    assert buttons("operator", draft) == []
    assert buttons("head", draft) == [S.SUBMITTED]
    assert buttons("admin", draft) == []
    assert buttons("admin", submitted) == [S.APPROVED, S.RETURNED, S.REJECTED]
    assert buttons("head", submitted) == []
    assert buttons("auditor", submitted) == []


# --- create and edit -----------------------------------------------------------------------------------------------


def test_create_form_is_prefilled_and_saves_only_differences(client, opd, people):
    Organisation.objects.filter(pk=opd.pk).update(alamat="Jl. Lama 1", telepon="0333-1")
    login(client, people["operator"])
    response = client.get(reverse("org:profile_request_create"))
    assert response.status_code == 200
    assert response.context["form"].initial["alamat"] == "Jl. Lama 1"

    response = client.post(reverse("org:profile_request_create"), {
        "kepala_nama": "", "kepala_nip": "", "alamat": "Jl. Baru 9", "telepon": "0333-1", "email": "",
        "singkatan": "Dinkes", "alasan": "pindah kantor",
    })
    req = OrganisationProfileRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("org:profile_request_detail", args=[req.pk])
    assert (req.changes, req.alasan, req.status, req.created_by_id) == (
        {"alamat": "Jl. Baru 9"}, "pindah kantor", S.DRAFT, people["operator"].pk)


def test_create_without_changes_shows_the_error(client, opd, people):
    login(client, people["operator"])
    response = client.post(reverse("org:profile_request_create"), {"singkatan": "Dinkes"})
    assert response.status_code == 400
    assert "Belum ada perubahan yang diminta." in response.content.decode()
    assert OrganisationProfileRequest.objects.count() == 0


def test_create_for_another_agency_is_404(client, other_opd, people):
    login(client, people["operator"])
    url = reverse("org:profile_request_create") + f"?organisation={other_opd.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"alamat": "x"}).status_code == 404
    assert OrganisationProfileRequest.objects.count() == 0


def test_admin_cannot_create(client, people):
    login(client, people["admin"])
    assert client.get(reverse("org:profile_request_create")).status_code == 403


def test_user_of_two_agencies_chooses_one(client, pemda, opd, people):
    from terang.accounts.models import Membership

    unit = OrganisationFactory(pemda=pemda, nama="UPTD Uji")
    Membership.objects.create(user=people["operator"], role="opd_operator", pemda=pemda, organisation=unit)
    login(client, people["operator"])
    response = client.get(reverse("org:profile_request_create"))
    assert response.templates[0].name == "org/profile_request_choose.html"
    assert client.get(reverse("org:profile_request_create") + f"?organisation={unit.pk}").status_code == 200


def test_edit_with_stale_version_shows_current_values(client, opd, people, draft):
    from terang.org.services import profile_request_update

    profile_request_update(profile_request=draft, actor=people["head"], changes={"kepala_nama": "Ir. Budi"},
                           expected_version=1)
    before = state(draft)
    login(client, people["operator"])
    response = client.post(reverse("org:profile_request_edit", args=[draft.pk]), {
        "kepala_nama": "dr. Siti", "singkatan": "Dinkes", "version": 1,
    })
    assert response.status_code == 409
    assert [c["value"] for c in response.context["conflict"]] == ["Ir. Budi"]
    assert response.context["form"]["version"].value() == "2"
    assert state(draft) == before


def test_edit_saves_a_new_version(client, people, draft):
    login(client, people["operator"])
    response = client.post(reverse("org:profile_request_edit", args=[draft.pk]), {
        "kepala_nama": "dr. Siti Aminah, M.Kes", "singkatan": "Dinkes", "version": 1,
    })
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.version, draft.changes) == (2, {"kepala_nama": "dr. Siti Aminah, M.Kes"})


def test_edit_of_a_submitted_request_goes_back_to_detail(client, people, submitted):
    login(client, people["operator"])
    response = client.get(reverse("org:profile_request_edit", args=[submitted.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("org:profile_request_detail", args=[submitted.pk])


def test_edit_by_admin_is_refused(client, people, draft):
    login(client, people["admin"])
    assert client.get(reverse("org:profile_request_edit", args=[draft.pk])).status_code == 403


# --- transitions through the page ------------------------------------------------------------------------------------


def test_head_submits_from_the_page(client, people, draft):
    login(client, people["head"])
    response = client.post(reverse("org:profile_request_transition", args=[draft.pk]),
                           {"to_status": "submitted", "version": 1})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (S.SUBMITTED, 2)


def test_return_without_reason_shows_the_error_and_changes_nothing(client, people, submitted):
    login(client, people["admin"])
    before = state(submitted)
    response = client.post(reverse("org:profile_request_transition", args=[submitted.pk]),
                           {"to_status": "returned", "reason": " ", "version": submitted.version})
    assert response.status_code == 400
    assert "Alasan wajib diisi." in response.content.decode()
    assert state(submitted) == before


def test_operator_cannot_submit_from_the_page(client, people, draft):
    login(client, people["operator"])
    before = state(draft)
    response = client.post(reverse("org:profile_request_transition", args=[draft.pk]),
                           {"to_status": "submitted", "version": 1})
    assert response.status_code == 403
    assert "Anda tidak berwenang" in response.content.decode()
    assert state(draft) == before


def test_stale_page_is_a_conflict(client, people, submitted):
    login(client, people["admin"])
    before = state(submitted)
    response = client.post(reverse("org:profile_request_transition", args=[submitted.pk]),
                           {"to_status": "approved", "version": 1})
    assert response.status_code == 409
    assert state(submitted) == before


def test_transition_page_refuses_get(client, people, draft):
    login(client, people["head"])
    assert client.get(reverse("org:profile_request_transition", args=[draft.pk])).status_code == 405
