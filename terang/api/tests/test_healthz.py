"""/healthz: 200 with the database vendor when the database answers, 503 when it does not."""

from __future__ import annotations

import runpy
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import OperationalError, connection, connections
from django.test import Client, override_settings


def test_healthy(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Request-ID"]


def test_head_is_allowed_for_load_balancers(db):
    assert Client().head("/healthz").status_code == 200


def test_post_is_not(db):
    assert Client().post("/healthz").status_code == 405


def test_database_unreachable_is_503(db, caplog):
    # Simulates an outage of the database server (not a stand-in for business logic).
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("server closed")):
        response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable", "detail": "OperationalError"}
    assert any("tidak terjangkau" in r.getMessage() for r in caplog.records if r.name == "terang.healthz")


def test_production_exempts_healthz_from_the_https_redirect(monkeypatch, tmp_path, db):
    monkeypatch.setenv("TERANG_ENV", "production")
    monkeypatch.setenv("TERANG_SECRET_KEY", "x" * 60)
    monkeypatch.setenv("TERANG_VAR_DIR", str(tmp_path))
    production = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "settings.py"))
    assert production["SECURE_SSL_REDIRECT"] is True

    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_REDIRECT_EXEMPT=production["SECURE_REDIRECT_EXEMPT"],
        SECURE_PROXY_SSL_HEADER=production["SECURE_PROXY_SSL_HEADER"],
    ):
        client = Client()  # builds its middleware with these settings
        assert client.get("/healthz").status_code == 200
        redirected = client.get("/api/v1/pemda/")
        assert redirected.status_code == 301
        assert redirected["Location"] == "https://testserver/api/v1/pemda/"
        assert client.get("/api/v1/pemda/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
