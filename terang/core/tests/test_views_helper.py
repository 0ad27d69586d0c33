"""terang.core.views.run_action: the one shape of the staff pages' action handlers.

Exercised with a real service (the org profile-request workflow) on the real database: success changes the row and
redirects with a message; every error re-renders (page or htmx fragment) with the right status, or is refused, and
changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from terang.accounts.choices import Role
from terang.audit.models import ChangeRecord, DomainEvent
from terang.core.errors import ApplicationError, ConflictError, NotFoundError
from terang.core.views import fragment_status, is_htmx, run_action
from terang.org.choices import ProfileRequestStatus as S
from terang.org.models import OrganisationProfileRequest
from terang.org.services import profile_request_create, profile_request_transition
from terang.testing.factories import make_user

pytestmark = pytest.mark.django_db

PAGE = "helper_test/page.html"
FRAGMENT = "helper_test/fragment.html"
TARGET = "/permohonan/selesai/"


class ReasonForm(forms.Form):
    to_status = forms.CharField()
    reason = forms.CharField(required=False, max_length=20)
    version = forms.IntegerField(required=False)


@pytest.fixture(autouse=True)
def _templates(settings, tmp_path):
    """Two tiny templates that print what the helper put in the context (and nothing else)."""
    (tmp_path / "helper_test").mkdir()
    (tmp_path / PAGE).write_text("page:{{ title }}|{% if error %}{{ error.code }}:{{ error.message }}{% endif %}")
    (tmp_path / FRAGMENT).write_text("fragment:{{ status }}|draft:{{ draft }}|"
                                     "{% if error %}{{ error.code }}:{{ error.message }}{% endif %}")
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine["DIRS"]]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]


@pytest.fixture
def people(pemda, opd) -> dict[str, Any]:
    return {
        "operator": make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=opd, username="operator"),
        "head": make_user(Role.OPD_HEAD, pemda=pemda, organisation=opd, username="kepala"),
        "admin": make_user(Role.PEMDA_ADMIN, pemda=pemda, username="admin"),
    }


@pytest.fixture
def draft(opd, people) -> OrganisationProfileRequest:
    return profile_request_create(organisation=opd, actor=people["operator"], changes={"alamat": "Jl. Baru 1"})


def _request(user: Any, data: dict[str, Any], *, htmx: bool = False) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    request = RequestFactory().post("/aksi/", data, headers=headers)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _state(obj: OrganisationProfileRequest) -> tuple:
    obj = OrganisationProfileRequest.objects.get(pk=obj.pk)
    return obj.status, obj.version, obj.catatan_verifikator, ChangeRecord.objects.count(), DomainEvent.objects.count()


def _transition(request: Any, obj: OrganisationProfileRequest, **options: Any) -> Any:
    """A transition handler written with the helper, as the staff views do."""
    defaults: dict[str, Any] = {
        "form": ReasonForm(request.POST),
        "service": profile_request_transition,
        "kwargs": lambda data: {"profile_request": obj, "actor": request.user, "to_status": data["to_status"],
                                "reason": data["reason"], "expected_version": data.get("version")},
        "success_message": lambda changed: f"Status menjadi {changed.status} (versi {changed.version}).",
        "redirect_to": TARGET,
        "error_template": PAGE,
        "context": lambda error: {"title": OrganisationProfileRequest.objects.get(pk=obj.pk).status},
    }
    defaults.update(options)
    return run_action(request, **defaults)


def _messages(request: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_success_calls_the_service_with_the_form_data_then_messages_and_redirects(draft, people):
    request = _request(people["head"], {"to_status": S.SUBMITTED, "version": draft.version})
    response = _transition(request, draft)
    assert response.status_code == 302 and response["Location"] == TARGET
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (S.SUBMITTED, 2)
    assert _messages(request) == [("success", f"Status menjadi {S.SUBMITTED} (versi 2).")]
    assert DomainEvent.objects.filter(object_id=str(draft.pk)).exists()


def test_redirect_can_be_built_from_the_service_result(draft, people):
    request = _request(people["head"], {"to_status": S.SUBMITTED})
    response = _transition(request, draft, redirect_to=lambda changed: f"/permohonan/{changed.pk}/{changed.status}/")
    assert response["Location"] == f"/permohonan/{draft.pk}/{S.SUBMITTED}/"


def test_invalid_form_rerenders_the_page_with_the_message_and_changes_nothing(draft, people):
    before = _state(draft)
    request = _request(people["head"], {"to_status": S.SUBMITTED, "reason": "x" * 21})
    response = _transition(request, draft, invalid_message="Alasan paling banyak 20 karakter.")
    assert response.status_code == 400
    assert response.content.decode() == f"page:{S.DRAFT}|invalid:Alasan paling banyak 20 karakter."
    assert _state(draft) == before and _messages(request) == []


def test_invalid_form_default_message_and_an_error_object_with_a_code(draft, people):
    request = _request(people["head"], {})
    assert _transition(request, draft).content.decode() == f"page:{S.DRAFT}|invalid:Permintaan tidak valid."
    error = ApplicationError("Pilih status.", code="status_required", field="to_status")
    response = _transition(_request(people["head"], {}), draft, invalid_message=error)
    assert response.content.decode() == f"page:{S.DRAFT}|status_required:Pilih status."


def test_service_refusals_rerender_with_their_own_status_and_change_nothing(draft, people):
    before = _state(draft)
    # the operator may create but not submit: 403 with the engine's message
    response = _transition(_request(people["operator"], {"to_status": S.SUBMITTED}), draft)
    assert response.status_code == 403
    assert response.content.decode().startswith(f"page:{S.DRAFT}|permission_denied:")
    # a stale version: 409
    response = _transition(_request(people["head"], {"to_status": S.SUBMITTED, "version": draft.version + 5}), draft)
    assert response.status_code == 409 and "|conflict:" in response.content.decode()
    assert _state(draft) == before


def test_rule_errors_of_the_service_answer_400_with_the_rule_message(draft, people):
    submitted = profile_request_transition(profile_request=draft, to_status=S.SUBMITTED, actor=people["head"])
    before = _state(submitted)
    request = _request(people["admin"], {"to_status": S.RETURNED, "reason": ""})
    response = _transition(request, submitted)
    assert response.status_code == 400
    body = response.content.decode()
    assert body.startswith(f"page:{S.SUBMITTED}|") and "lasan" in body  # "Alasan wajib diisi …"
    assert _state(submitted) == before and _messages(request) == []


def test_htmx_gets_the_fragment_on_success_without_a_queued_message(draft, people):
    request = _request(people["head"], {"to_status": S.SUBMITTED}, htmx=True)
    response = _transition(request, draft, fragment_template=FRAGMENT, context=lambda error: {
        "status": OrganisationProfileRequest.objects.get(pk=draft.pk).status,
        "draft": request.POST.get("reason", "") if error else ""})
    assert response.status_code == 200
    assert response.content.decode() == f"fragment:{S.SUBMITTED}|draft:|"
    assert _messages(request) == []


def test_htmx_validation_error_is_422_with_the_draft_kept_and_refusals_keep_their_status(draft, people):
    submitted = profile_request_transition(profile_request=draft, to_status=S.SUBMITTED, actor=people["head"])
    before = _state(submitted)

    def fragment(request: Any) -> Any:
        return _transition(request, submitted, fragment_template=FRAGMENT, context=lambda error: {
            "status": OrganisationProfileRequest.objects.get(pk=submitted.pk).status,
            "draft": request.POST.get("reason", "") if error else ""})

    # a reason over the form's limit never reaches the service
    response = fragment(_request(people["admin"], {"to_status": S.APPROVED, "reason": "terlalu panjang sekali ya"},
                                 htmx=True))
    assert response.status_code == 422
    assert response.content.decode() == (f"fragment:{S.SUBMITTED}|draft:terlalu panjang sekali ya|"
                                         "invalid:Permintaan tidak valid.")
    response = fragment(_request(people["operator"], {"to_status": S.APPROVED}, htmx=True))
    assert response.status_code == 403
    assert _state(submitted) == before
    # a non-htmx request to the same handler gets the full page
    response = fragment(_request(people["operator"], {"to_status": S.APPROVED}))
    assert response.status_code == 403 and response.content.decode().startswith("page:")


def test_without_a_page_refusals_raise_and_other_errors_become_messages(draft, people):
    before = _state(draft)
    with pytest.raises(PermissionDenied):
        _transition(_request(people["operator"], {"to_status": S.SUBMITTED}), draft, error_template=None)

    def missing(**kwargs: Any) -> None:
        raise NotFoundError()

    with pytest.raises(Http404):
        run_action(_request(people["head"], {}), service=missing, kwargs={}, redirect_to=TARGET)
    request = _request(people["head"], {"to_status": S.SUBMITTED, "version": 99})
    response = _transition(request, draft, error_template=None)
    assert response.status_code == 302 and response["Location"] == TARGET
    assert [level for level, _text in _messages(request)] == ["error"]
    assert _state(draft) == before


def test_exceptions_other_than_application_errors_are_not_swallowed(draft, people):
    def broken(**kwargs: Any) -> None:
        raise ValueError("bug")

    with pytest.raises(ValueError, match="bug"):
        run_action(_request(people["head"], {}), service=broken, kwargs={}, redirect_to=TARGET)


def test_misuse_is_a_programming_error(draft, people):
    request = _request(people["head"], {"to_status": S.SUBMITTED})
    with pytest.raises(TypeError):
        run_action(request, service=profile_request_transition, kwargs={}, redirect_to=TARGET, error_template=PAGE)
    with pytest.raises(TypeError):
        run_action(request, service=profile_request_transition, kwargs={}, redirect_to=lambda obj: "/")
    assert OrganisationProfileRequest.objects.get(pk=draft.pk).status == S.DRAFT


def test_small_pieces():
    rf = RequestFactory()
    assert is_htmx(rf.get("/", headers={"HX-Request": "true"})) and not is_htmx(rf.get("/"))
    assert fragment_status(None) == 200
    assert fragment_status(ApplicationError("x")) == 422
    assert fragment_status(ConflictError("x")) == 409
    assert fragment_status(NotFoundError()) == 404
