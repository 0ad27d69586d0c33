"""RequestContextMiddleware: request id in and out, one access-log line per request."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from terang.testing.factories import UserFactory


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "terang.request"]


def test_a_request_id_is_made_when_none_is_sent(db):
    response = Client().get("/api/v1/pemda/")

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id(db):
    client = Client()

    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept(db):
    response = Client().get("/api/v1/pemda/", headers={"X-Request-ID": "lb-2024.11_abc-123"})

    assert response["X-Request-ID"] == "lb-2024.11_abc-123"


@pytest.mark.parametrize(
    "incoming",
    ["short", "x" * 65, "spasi tidak boleh", "a\u00e9bcdefghij", "abc;rm -rf /", "<script>alert(1)</script>"],
)
def test_an_insane_incoming_request_id_is_replaced(incoming, db):
    response = Client().get("/healthz", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_one_access_line_per_request(db, caplog):
    with caplog.at_level(logging.INFO, logger="terang.request"):
        response = Client().get("/api/v1/wilayah/", {"tingkat": "desa"})

    [record] = access_records(caplog)
    assert record.levelno == logging.INFO
    assert record.method == "GET"
    assert record.path == "/api/v1/wilayah/"
    assert record.status == 200
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0
    assert record.user is None
    assert record.request_id == response["X-Request-ID"]
    assert record.getMessage().startswith("GET /api/v1/wilayah/ 200 ")


def test_access_line_names_the_token_user(db, caplog):
    user = UserFactory(username="skrip-bpkad")
    token = Token.objects.create(user=user)

    with caplog.at_level(logging.INFO, logger="terang.request"):
        Client().get("/api/v1/auth/me/", headers={"Authorization": f"Token {token.key}"})

    [record] = access_records(caplog)
    assert record.user == "skrip-bpkad"
    assert record.status == 200


def test_access_line_names_the_session_user(db, caplog):
    client = Client()
    client.force_login(UserFactory(username="petugas"))

    with caplog.at_level(logging.INFO, logger="terang.request"):
        client.get("/api/v1/auth/me/")

    assert access_records(caplog)[0].user == "petugas"


def test_errors_are_logged_with_their_status(db, caplog):
    with caplog.at_level(logging.INFO, logger="terang.request"):
        Client().get("/api/v1/tidak-ada/")

    [record] = access_records(caplog)
    assert record.status == 404


def test_health_checks_are_logged_at_debug_only(db, caplog):
    with caplog.at_level(logging.INFO, logger="terang.request"):
        Client().get("/healthz")
    assert access_records(caplog) == []

    with caplog.at_level(logging.DEBUG, logger="terang.request"):
        Client().get("/healthz")
    assert [r.levelno for r in access_records(caplog)] == [logging.DEBUG]


def test_context_is_reset_after_the_request(db):
    from terang.core import context

    Client().get("/healthz")

    assert context.get_request_id() == "-"
    assert context.get_actor() is None
