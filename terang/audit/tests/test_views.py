"""Auditor pages: permission matrix, scope per pemda, filters, keyset pages, pinned query counts, verify button."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from terang.accounts.choices import Role
from terang.accounts.testing import force_login_verified as login
from terang.audit.models import ChangeRecord
from terang.audit.services import record_change, record_event
from terang.testing.factories import UserFactory, make_user

from .conftest import tamper, write_changes, write_events

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


def _seqs(response) -> list[int]:
    return [r.seq for r in response.context["page"].rows]


# --- permission matrix ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["audit:index", "audit:events", "audit:verify"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("name", ["audit:index", "audit:events", "audit:verify"])
def test_user_without_audit_role_is_refused(client, pemda, opd, name):
    for user in (UserFactory(), make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=opd),
                 make_user(Role.BAPPEDA_PLANNER, pemda=pemda)):
        login(client, user)
        assert client.get(reverse(name)).status_code == 403


def test_pemda_admin_and_auditor_may_read(client, pemda):
    for role in (Role.AUDITOR, Role.PEMDA_ADMIN):
        login(client, make_user(role, pemda=pemda))
        assert client.get(reverse("audit:index")).status_code == 200


# --- scope -----------------------------------------------------------------------------------------------------


def test_auditor_sees_own_pemda_and_system_records_only(client, pemda, other_pemda, auditor, other_auditor):
    a = record_change(action="create", object_type="org.organisation", object_id=1, pemda=pemda)
    b = record_change(action="create", object_type="org.organisation", object_id=2, pemda=other_pemda)
    system = record_change(action="import", object_type="reference.kode", object_id="all")

    login(client, other_auditor)
    assert _seqs(client.get(reverse("audit:index"))) == [system.seq, b.seq]
    assert client.get(reverse("audit:change_detail", args=[a.seq])).status_code == 404
    assert client.get(reverse("audit:change_detail", args=[b.seq])).status_code == 200
    assert client.get(reverse("audit:change_detail", args=[system.seq])).status_code == 200

    login(client, auditor)
    assert _seqs(client.get(reverse("audit:index"))) == [system.seq, a.seq]
    assert client.get(reverse("audit:change_detail", args=[b.seq])).status_code == 404


def test_events_are_scoped_the_same_way(client, pemda, other_pemda, auditor):
    mine = record_event(event_type=201, object_type="org.organisation", object_id=1, pemda=pemda)
    theirs = record_event(event_type=201, object_type="org.organisation", object_id=2, pemda=other_pemda)
    login(client, auditor)
    assert _seqs(client.get(reverse("audit:events"))) == [mine.seq]
    assert client.get(reverse("audit:event_detail", args=[theirs.seq])).status_code == 404
    response = client.get(reverse("audit:event_detail", args=[mine.seq]))
    assert response.status_code == 200
    assert "Profil perangkat daerah diubah" in response.content.decode()


def test_pemda_filter_cannot_widen_the_scope(client, pemda, other_pemda, auditor):
    record_change(action="create", object_type="x.y", object_id=1, pemda=other_pemda)
    login(client, auditor)
    response = client.get(reverse("audit:index"), {"pemda": other_pemda.pk})
    assert _seqs(response) == []


# --- filters ---------------------------------------------------------------------------------------------------


def test_filters_by_object_actor_action(client, pemda, auditor):
    alice = UserFactory(username="alice")
    r1 = record_change(action="create", object_type="org.organisation", object_id=5, pemda=pemda, actor=alice)
    r2 = record_change(action="update", object_type="org.organisation", object_id=5, pemda=pemda)
    record_change(action="update", object_type="org.organisation", object_id=6, pemda=pemda)
    record_change(action="update", object_type="org.region", object_id=5, pemda=pemda)
    login(client, auditor)
    url = reverse("audit:index")
    assert _seqs(client.get(url, {"objek": "org.organisation", "id": "5"})) == [r2.seq, r1.seq]
    assert _seqs(client.get(url, {"pelaku": "alice"})) == [r1.seq]
    assert _seqs(client.get(url, {"objek": "org.organisation", "id": "5", "tindakan": "update"})) == [r2.seq]
    assert _seqs(client.get(url, {"pemda": pemda.pk, "tindakan": "create"})) == [r1.seq]


def test_date_filter_uses_jakarta_days(client, pemda, auditor, monkeypatch):
    # 23:30 WIB on 1 May is 16:30 UTC on 1 May; 00:30 WIB on 2 May is 17:30 UTC on 1 May.
    times = iter([datetime(2026, 5, 1, 23, 30, tzinfo=JAKARTA), datetime(2026, 5, 2, 0, 30, tzinfo=JAKARTA)])
    monkeypatch.setattr("django.utils.timezone.now", lambda: next(times))
    late = record_change(action="create", object_type="x.y", object_id=1, pemda=pemda)
    early = record_change(action="create", object_type="x.y", object_id=2, pemda=pemda)
    monkeypatch.undo()
    login(client, auditor)
    url = reverse("audit:index")
    assert _seqs(client.get(url, {"dari": "2026-05-01", "sampai": "2026-05-01"})) == [late.seq]
    assert _seqs(client.get(url, {"dari": "2026-05-02", "sampai": "2026-05-02"})) == [early.seq]
    assert _seqs(client.get(url, {"dari": "2026-05-01"})) == [early.seq, late.seq]


def test_invalid_filter_shows_errors_and_no_rows(client, pemda, auditor):
    write_changes(2, pemda=pemda)
    login(client, auditor)
    response = client.get(reverse("audit:index"), {"dari": "2026-05-03", "sampai": "2026-05-01"})
    assert response.status_code == 200
    assert _seqs(response) == []
    assert "Tanggal awal harus sebelum tanggal akhir." in response.content.decode()


def test_event_type_filter(client, pemda, auditor):
    record_event(event_type=201, object_type="org.organisation", object_id=1, pemda=pemda)
    wanted = record_event(event_type=213, object_type="org.organisationprofilerequest", object_id=1, pemda=pemda)
    login(client, auditor)
    assert _seqs(client.get(reverse("audit:events"), {"peristiwa": 213})) == [wanted.seq]


# --- pages and query counts ------------------------------------------------------------------------------------


def test_keyset_pages_walk_the_whole_list(client, pemda, auditor):
    write_changes(120, pemda=pemda)
    login(client, auditor)
    url = reverse("audit:index")
    first = client.get(url, {"objek": "org.organisation"})
    assert _seqs(first) == list(range(120, 70, -1))
    assert first.context["page"].newer_query is None
    second = client.get(f"{url}?{first.context['page'].older_query}")
    assert _seqs(second) == list(range(70, 20, -1))
    third = client.get(f"{url}?{second.context['page'].older_query}")
    assert _seqs(third) == list(range(20, 0, -1))
    assert third.context["page"].older_query is None
    back = client.get(f"{url}?{third.context['page'].newer_query}")
    assert _seqs(back) == list(range(70, 20, -1))
    assert "objek=org.organisation" in third.context["page"].newer_query


def test_list_query_count_does_not_grow_with_rows(client, pemda, auditor, django_assert_num_queries):
    login(client, auditor)
    write_changes(3, pemda=pemda)
    # session, user, OTP device, memberships, pemda choices, records (pemda joined)
    with django_assert_num_queries(6):
        client.get(reverse("audit:index"))
    write_changes(60, pemda=pemda, start=4)
    record_change(action="import", object_type="x.y", object_id=1)
    with django_assert_num_queries(6):
        response = client.get(reverse("audit:index"))
    assert len(response.context["page"].rows) == 50
    write_events(60, pemda=pemda)
    with django_assert_num_queries(6):
        client.get(reverse("audit:events"))


def test_detail_shows_diff_and_hashes(client, pemda, auditor):
    record = record_change(
        action="update", object_type="org.organisation", object_id=9, object_repr="Dinkes",
        before={"kepala_nama": "Budi", "telepon": "0333-1"},
        after={"kepala_nama": "Siti Aminah", "telepon": "0333-1", "email": "dinkes@contoh.go.id"},
        reason="Pelantikan kepala dinas baru", pemda=pemda,
    )
    login(client, auditor)
    response = client.get(reverse("audit:change_detail", args=[record.seq]))
    assert response.status_code == 200
    rows = {r.field: (r.label, r.before_text, r.after_text, r.changed) for r in response.context["rows"]}
    assert rows == {
        "kepala_nama": ("nama kepala", "Budi", "Siti Aminah", True),
        "telepon": ("telepon", "0333-1", "0333-1", False),
        "email": ("email", "—", "dinkes@contoh.go.id", True),
    }
    html = response.content.decode()
    assert record.hash in html and record.prev_hash in html
    assert "Pelantikan kepala dinas baru" in html


# --- verify button ---------------------------------------------------------------------------------------------


def test_verify_button_runs_the_check(client, pemda, auditor):
    write_changes(4, pemda=pemda)
    write_events(2, pemda=pemda)
    login(client, auditor)
    assert client.get(reverse("audit:verify")).context["results"] is None
    response = client.post(reverse("audit:verify"))
    assert [(r.chain, r.ok, r.count) for r in response.context["results"]] == [("change", True, 4), ("event", True, 2)]
    assert "utuh, 4 catatan diperiksa." in response.content.decode()


def test_verify_button_shows_the_first_bad_record(client, pemda, auditor):
    write_changes(5, pemda=pemda)
    tamper("UPDATE audit_changerecord SET reason = %s WHERE seq = %s", ("x", 3))
    login(client, auditor)
    response = client.post(reverse("audit:verify"))
    assert "catatan #3: hash tidak cocok (isi diubah)" in response.content.decode()
    assert ChangeRecord.objects.count() == 5
