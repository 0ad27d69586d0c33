"""Every API error has one JSON shape: {"error": {"code", "message", "request_id", "field"?, "details"?}}."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from .assertions import assert_error, token_client

pytestmark = pytest.mark.urls("terang.api.tests.urls_errors")


def test_application_error_keeps_code_message_field_and_details(api, db):
    error = assert_error(api.get("/api/test/fail/application/"), 400, "ceiling_exceeded")

    assert error == {
        "code": "ceiling_exceeded",
        "message": "Pagu melebihi plafon.",
        "request_id": error["request_id"],
        "field": "pagu",
        "details": {"plafon": "100.00"},
    }


def test_conflict_error_is_409(api, db):
    error = assert_error(api.get("/api/test/fail/conflict/"), 409, "stale_version")

    assert error["message"] == "Data sudah diubah pengguna lain. Muat ulang."


@pytest.mark.parametrize("kind", ["forbidden", "django_forbidden"])
def test_permission_denied_is_403(kind, api, db):
    error = assert_error(api.get(f"/api/test/fail/{kind}/"), 403, "permission_denied")

    assert error["message"] == "Anda tidak berwenang melakukan tindakan ini."


def test_django_validation_error_is_400_with_field_details(api, db):
    error = assert_error(api.get("/api/test/fail/django_validation/"), 400, "invalid")

    assert error["message"] == "Data tidak valid."
    assert error["details"] == {"nama": ["Nama wajib diisi."]}


def test_django_validation_error_without_field(api, db):
    error = assert_error(api.get("/api/test/fail/django_validation_plain/"), 400, "invalid")

    assert error["details"] == {"non_field_errors": ["Periode sudah ditutup."]}


def test_serializer_validation_error_lists_each_field(api, db):
    error = assert_error(api.post("/api/v1/auth/token/", {"username": ""}, format="json"), 400, "invalid")

    assert set(error["details"]) == {"username", "password"}
    assert all(isinstance(messages, list) and messages for messages in error["details"].values())


def test_http404_is_404(api, db):
    error = assert_error(api.get("/api/test/fail/http404/"), 404, "not_found")

    assert error["message"] == "Data tidak ditemukan."


def test_throttled_is_429_with_retry_after(api, db):
    response = api.get("/api/test/fail/throttled/")

    error = assert_error(response, 429, "throttled")
    assert error["details"] == {"retry_after": 30}
    assert response["Retry-After"] == "30"


def test_not_authenticated_is_401_with_token_challenge(api, db):
    response = api.get("/api/v1/auth/me/")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_wrong_token_is_401(db):
    response = token_client("0" * 40).get("/api/v1/pemda/")

    error = assert_error(response, 401, "authentication_failed")
    assert error["message"] == "Kredensial autentikasi tidak valid."


def test_malformed_json_is_400_parse_error(api, db):
    response = api.post("/api/v1/auth/token/", data="{bukan json", content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_unsupported_media_type_is_415(api, db):
    response = api.post("/api/v1/auth/token/", data="username=a", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


def test_unexpected_exception_is_a_json_500_without_traceback(api, db, caplog):
    with caplog.at_level(logging.ERROR, logger="terang.errors"):
        response = api.get("/api/test/fail/crash/")

    error = assert_error(response, 500, "server_error")
    assert set(error) == {"code", "message", "request_id"}
    text = response.content.decode()
    assert "rahasia" not in text and "Traceback" not in text and "RuntimeError" not in text
    [record] = [r for r in caplog.records if r.name == "terang.errors"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert record.request_id == response["X-Request-ID"]


def test_unexpected_exception_in_a_plain_django_view_under_api_is_json_too(db):
    response = Client().get("/api/test/plain-crash/")

    assert_error(response, 500, "server_error")
    assert "rahasia" not in response.content.decode()


def test_pages_outside_the_api_keep_django_error_handling(db):
    with pytest.raises(RuntimeError):
        Client().get("/test/page-crash/")


def test_http404_from_a_plain_django_view_under_api_is_json(db):
    assert_error(Client().get("/api/test/plain-404/"), 404, "not_found")


@pytest.mark.parametrize("url", ["/api/v1/tidak-ada/", "/api/v1/wilayah/99.01/anak/", "/api/tidak-ada", "/api/"])
def test_unknown_api_urls_are_json_404(url, db):
    error = assert_error(Client().get(url), 404, "not_found")

    assert error["message"] == "Alamat tidak ditemukan."


def test_missing_trailing_slash_still_redirects(db):
    response = Client().get("/api/v1/pemda?page=2")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/pemda/?page=2"


def test_csrf_failure_under_api_is_json_403(db):
    response = Client(enforce_csrf_checks=True).post("/api/test/plain-post/")

    assert_error(response, 403, "permission_denied")


def test_session_write_without_csrf_token_is_refused_in_the_json_shape(db, operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)

    response = client.delete("/api/v1/auth/token/")

    error = assert_error(response, 403, "permission_denied")
    assert error["details"]["detail"].startswith("CSRF Failed")


def test_invalid_page_is_404_with_its_own_code(api, public_data):
    error = assert_error(api.get("/api/v1/pemda/", {"page": 9}), 404, "invalid_page")

    assert error["message"] == "Halaman '9' tidak ada."


def test_a_browser_gets_the_same_error_inside_the_browsable_api(db):
    response = Client().get("/api/v1/wilayah/", {"tingkat": "dusun"}, headers={"Accept": "text/html"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "&quot;invalid&quot;" in html and "tingkat" in html
