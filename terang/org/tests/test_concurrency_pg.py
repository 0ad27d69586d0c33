"""Two reviewers act on the same submitted request at the same moment (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from terang.accounts.choices import Role
from terang.audit.events import EventType
from terang.audit.models import ChangeRecord, DomainEvent
from terang.audit.verify import verify_all
from terang.core.errors import ApplicationError
from terang.org.choices import ProfileRequestStatus as S
from terang.org.models import Organisation, OrganisationProfileRequest
from terang.org.services import (
    profile_request_approve,
    profile_request_create,
    profile_request_reject,
    profile_request_submit,
)
from terang.testing.factories import OrganisationFactory, PemdaFactory, make_region_tree, make_user


@pytest.mark.django_db(transaction=True)
def test_approve_and_reject_at_once_exactly_one_wins(postgres_only, settings):
    pemda = PemdaFactory(region=make_region_tree("98.01")["kabupaten"])
    opd = OrganisationFactory(pemda=pemda, kepala_nama="Lama")
    operator = make_user(Role.OPD_OPERATOR, pemda=pemda, organisation=opd)
    head = make_user(Role.OPD_HEAD, pemda=pemda, organisation=opd)
    admins = [make_user(Role.PEMDA_ADMIN, pemda=pemda) for _ in range(2)]
    req = profile_request_create(organisation=opd, actor=operator, changes={"kepala_nama": "Baru"})
    profile_request_submit(profile_request=req, actor=head)
    events_before = DomainEvent.objects.count()

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(name: str, fn, actor, **kwargs) -> None:
        try:
            barrier.wait(timeout=30)
            fn(profile_request=req.pk, actor=actor, **kwargs)
            outcomes[name] = "ok"
        except ApplicationError as exc:
            outcomes[name] = exc.code
        except BaseException as exc:  # reported below
            outcomes[name] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("approve", profile_request_approve, admins[0])),
        threading.Thread(target=act, args=("reject", profile_request_reject, admins[1]), kwargs={"reason": "tidak"}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes.values()) == ["ok", "transition_not_allowed"], outcomes
    final = OrganisationProfileRequest.objects.get(pk=req.pk)
    assert final.version == 3
    winner = "approve" if outcomes["approve"] == "ok" else "reject"
    assert final.status == (S.APPROVED if winner == "approve" else S.REJECTED)
    assert Organisation.objects.get(pk=opd.pk).kepala_nama == ("Baru" if winner == "approve" else "Lama")
    new_events = list(DomainEvent.objects.filter(seq__gt=events_before).values_list("event_type", flat=True))
    decisions = [e for e in new_events if e in (EventType.PROFILE_REQUEST_APPROVED, EventType.PROFILE_REQUEST_REJECTED)]
    assert len(decisions) == 1
    assert ChangeRecord.objects.filter(action="transition", object_id=str(req.pk)).count() == 2  # submit + decision
    assert all(r.ok for r in verify_all())
