"""Staff pages of TAPD verification: permission matrix, scope (404 outside), the verifier's and the agency's view of
one sub-kegiatan, htmx comment threads, status buttons, and pinned query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from terang.accounts.testing import force_login_verified as login
from terang.audit.models import ChangeRecord, DomainEvent
from terang.budgeting.choices import FlagRule, LineType
from terang.budgeting.choices import SubActivityStatus as S
from terang.budgeting.models import RedFlag, SubActivityBudget, VerificationComment
from terang.budgeting.services.verification import (
    sub_activity_return,
    sub_activity_submit,
    verification_comment_add,
)
from terang.testing.factories import UserFactory

from .test_flags_support import add_line, module_world

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}

_world = module_world()


@pytest.fixture
def world(shared_world, db):
    return shared_world


@pytest.fixture
def sub(world):
    sub = world.sub_activity("dinkes", "1.02.02.2.01.0002")
    line = add_line(world, sub, item="Lem Kertas Cair", vol1=20, sat1="Orang", vol2=12, sat2="Bulan", harga=184000,
                    uraian="Lem Aibon")
    add_line(world, sub, line_type=LineType.UNDETAILED, total="5000000", uraian="Cadangan")
    RedFlag.objects.create(fiscal_year=world.fiscal_year, pemda=world.pemda, organisation=sub.organisation,
                           sub_activity=sub, line=line, line_key=line.line_key, severity=3,
                           rule=FlagRule.PRICE_ABOVE_CATALOGUE, message="Harga satuan Rp 184.000 melebihi standar")
    return sub


@pytest.fixture
def submitted(world, sub):
    return sub_activity_submit(actor=world.users["head"], sub_activity=sub)


def url(name, *args, ta=None):
    path = reverse(f"budgeting:{name}", args=args)
    return f"{path}?ta={ta}" if ta else path


# --- access --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), [
    ("verification_board", []), ("verification_organisation", [1]), ("verification_sub_activity", [1]),
    ("flag_list", []),
])
def test_anonymous_is_sent_to_login(client, name, args):
    response = client.get(reverse(f"budgeting:{name}", args=args))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_user_without_role_gets_404(client, world, sub):
    login(client, UserFactory())
    assert client.get(url("verification_board")).status_code == 404
    assert client.get(url("verification_sub_activity", sub.pk)).status_code == 404
    assert client.get(url("flag_list")).status_code == 404


@pytest.mark.parametrize(("who", "status"), [
    ("operator", 200), ("head", 200), ("tapd", 200), ("bpkad", 200), ("bappeda", 200), ("admin", 200),
    ("auditor", 200), ("operator_dispendik", 404), ("operator_b", 404), ("tapd_b", 404),
])
def test_sub_activity_page_is_scoped(client, world, sub, who, status):
    login(client, world.users[who])
    assert client.get(url("verification_sub_activity", sub.pk)).status_code == status


def test_organisation_page_is_scoped(client, world, sub):
    login(client, world.users["operator_dispendik"])
    assert client.get(url("verification_organisation", world.orgs["dinkes"].pk)).status_code == 404
    login(client, world.users["tapd"])
    response = client.get(url("verification_organisation", world.orgs["dinkes"].pk))
    assert response.status_code == 200
    assert [s.pk for s in response.context["page"]] == [sub.pk]
    assert client.get(url("verification_organisation", world.orgs["dinkes_b"].pk)).status_code == 404


# --- the board -----------------------------------------------------------------------------------------------------


def test_board_page(client, world, submitted, django_assert_num_queries):
    login(client, world.users["tapd"])
    # session, user, OTP device, memberships, fiscal year, board, fiscal-year list
    with django_assert_num_queries(7):
        response = client.get(url("verification_board"))
    assert response.status_code == 200
    html = response.content.decode()
    assert [r.singkatan for r in response.context["board"].rows] == ["Dispendik", "Dinkes", "BPKAD"]
    assert f'data-organisation="{world.orgs["dinkes"].pk}"' in html
    assert "TAPD: 1" in html
    assert "Rp 49.160.000" in html  # 20 × 12 × 184.000 + 5.000.000


def test_board_page_for_an_agency(client, world, sub):
    login(client, world.users["operator"])
    response = client.get(url("verification_board"), {"status": "draft"})
    assert [r.singkatan for r in response.context["board"].rows] == ["Dinkes"]


# --- one sub-kegiatan ----------------------------------------------------------------------------------------------


def test_verifier_sees_lines_flags_buttons_and_comment_boxes(client, world, submitted, django_assert_num_queries):
    verification_comment_add(actor=world.users["tapd"], sub_activity=submitted, body="Lem untuk apa?",
                             line=submitted.lines.filter(line_type=LineType.ITEM).get())
    login(client, world.users["tapd"])
    # session, user, OTP device, memberships, sub-kegiatan, lines, their flags, their comments, events (of the
    # sub-kegiatan and of its comments, newest 100), sub-kegiatan comments, sub-kegiatan flags: independent of the
    # number of lines
    with django_assert_num_queries(11):
        response = client.get(url("verification_sub_activity", submitted.pk))
    html = response.content.decode()
    assert response.context["perms"] == {"can_comment": True, "can_resolve": True, "can_respond": False,
                                         "can_dismiss": True}
    assert [o["option"].to_status for o in response.context["options"]] == [S.RETURNED, S.VERIFIED]
    assert "Lem Aibon" in html and "20 Orang x 12 Bulan" in html
    assert "Harga satuan Rp 184.000 melebihi standar" in html
    assert "Belum dirinci" in html
    assert "Lem untuk apa?" in html
    assert html.count('name="body"') == 3  # the sub-kegiatan and its two lines
    assert "Tandai selesai" in html
    assert "RKA sub kegiatan diajukan" in html  # history
    assert "Catatan verifikasi ditulis" in html  # the comment's event, linked to its line
    assert f'href="#line-{submitted.lines.filter(line_type=LineType.ITEM).get().pk}"' in html
    for volume in (1, 2, 3):
        extra = add_line(world, submitted, item="Refill Ballpoint", vol1=volume)
        verification_comment_add(actor=world.users["tapd"], sub_activity=submitted, body="Cek.", line=extra)
    with django_assert_num_queries(11):
        client.get(url("verification_sub_activity", submitted.pk))


def test_agency_sees_comments_and_answer_boxes_when_returned(client, world, submitted):
    verification_comment_add(actor=world.users["tapd"], sub_activity=submitted, body="Lem untuk apa?")
    sub_activity_return(actor=world.users["tapd"], sub_activity=submitted, reason="Lihat catatan.")
    login(client, world.users["operator"])
    response = client.get(url("verification_sub_activity", submitted.pk))
    html = response.content.decode()
    assert response.context["perms"]["can_respond"] is True
    assert response.context["options"] == []  # the operator cannot submit
    assert html.count('name="response"') == 2
    assert 'name="body"' not in html
    login(client, world.users["head"])
    response = client.get(url("verification_sub_activity", submitted.pk))
    assert [o["option"].to_status for o in response.context["options"]] == [S.SUBMITTED]


def test_transition_from_the_page(client, world, sub):
    login(client, world.users["head"])
    response = client.post(url("verification_transition", sub.pk), {"to_status": "submitted", "version": "1"})
    assert response.status_code == 302
    assert SubActivityBudget.objects.get(pk=sub.pk).status == S.SUBMITTED


def test_refused_transition_shows_the_reason_and_changes_nothing(client, world, submitted):
    login(client, world.users["tapd"])
    events = DomainEvent.objects.count()
    response = client.post(url("verification_transition", submitted.pk), {"to_status": "returned", "reason": ""})
    assert response.status_code == 400
    assert response.context["error"].code == "reason_required"
    login(client, world.users["operator"])
    response = client.post(url("verification_transition", submitted.pk), {"to_status": "verified"})
    assert response.status_code == 403
    assert (SubActivityBudget.objects.get(pk=submitted.pk).status, DomainEvent.objects.count()) == (
        S.SUBMITTED, events)
    login(client, world.users["tapd_b"])
    assert client.post(url("verification_transition", submitted.pk), {"to_status": "verified"}).status_code == 404


def test_stale_version_is_a_conflict(client, world, sub):
    login(client, world.users["head"])
    response = client.post(url("verification_transition", sub.pk), {"to_status": "submitted", "version": "9"})
    assert response.status_code == 409
    assert SubActivityBudget.objects.get(pk=sub.pk).status == S.DRAFT


# --- htmx comment threads ------------------------------------------------------------------------------------------


def test_htmx_comment_on_a_line_returns_the_thread(client, world, submitted):
    line = submitted.lines.filter(line_type=LineType.ITEM).get()
    login(client, world.users["tapd"])
    response = client.post(url("verification_comment_add", submitted.pk), {"body": "Kenapa 12 bulan?",
                                                                            "line": line.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<div class="terang-thread" id="thread-line-{line.pk}">')
    assert "Kenapa 12 bulan?" in html
    assert VerificationComment.objects.get(line=line).body == "Kenapa 12 bulan?"


def test_htmx_comment_error_is_swapped_with_422(client, world, sub):
    login(client, world.users["tapd"])
    changes = ChangeRecord.objects.count()
    response = client.post(url("verification_comment_add", sub.pk), {"body": "Terlalu dini"}, **HTMX)
    assert response.status_code == 422
    assert "hanya dapat ditulis saat sub kegiatan berstatus" in response.content.decode()
    assert (VerificationComment.objects.count(), ChangeRecord.objects.count()) == (0, changes)


def test_comment_without_htmx_redirects(client, world, submitted):
    login(client, world.users["tapd"])
    response = client.post(url("verification_comment_add", submitted.pk), {"body": "Catatan umum."})
    assert response.status_code == 302
    assert VerificationComment.objects.get(sub_activity=submitted).line_id is None


def test_comment_refused_to_the_agency(client, world, submitted):
    login(client, world.users["head"])
    response = client.post(url("verification_comment_add", submitted.pk), {"body": "Saya sendiri."}, **HTMX)
    assert response.status_code == 403
    assert VerificationComment.objects.count() == 0


def test_htmx_respond_and_resolve(client, world, submitted):
    comment = verification_comment_add(actor=world.users["tapd"], sub_activity=submitted, body="Kenapa 12 bulan?")
    sub_activity_return(actor=world.users["tapd"], sub_activity=submitted, reason="Jelaskan.")
    login(client, world.users["operator"])
    response = client.post(url("verification_comment_respond", comment.pk), {"response": "Sesuai kalender."},
                           **HTMX)
    assert response.status_code == 200
    assert f'id="comment-{comment.pk}"' in response.content.decode()
    assert "Sesuai kalender." in response.content.decode()
    login(client, world.users["tapd"])
    response = client.post(url("verification_comment_resolve", comment.pk), **HTMX)
    assert response.status_code == 422  # returned: resolving waits until the agency resubmits
    assert VerificationComment.objects.get(pk=comment.pk).resolved is False
    login(client, world.users["operator_b"])
    assert client.post(url("verification_comment_respond", comment.pk), {"response": "x"}).status_code == 404
