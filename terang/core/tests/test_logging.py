"""Structured logs: JSON lines carrying the request id of the request (or task) that wrote them."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

from terang.core import context
from terang.core.logging import JsonFormatter, RequestContextFilter
from terang.testing.factories import UserFactory


@pytest.fixture
def json_lines():
    """Attach a JSON handler (as configured in production) to the root logger; yield a function reading lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = logging.getLogger("terang.request").level
    logging.getLogger("terang.request").setLevel(logging.INFO)

    def read(logger_name: str | None = None) -> list[dict]:
        lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
        return [line for line in lines if logger_name is None or line["logger"] == logger_name]

    yield read
    root.removeHandler(handler)
    logging.getLogger("terang.request").setLevel(old_level)


def test_request_line_is_json_with_the_response_request_id(db, json_lines):
    response = Client().get("/api/v1/pemda/", headers={"X-Request-ID": "uji-permintaan-0001"})

    [line] = json_lines("terang.request")
    assert line["request_id"] == response["X-Request-ID"] == "uji-permintaan-0001"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/pemda/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user"] is None
    assert line["message"].startswith("GET /api/v1/pemda/ 200 ")
    assert line["time"].endswith("+00:00")


def test_generated_request_id_matches_the_header(db, json_lines):
    response = Client().get("/api/v1/tidak-ada/")

    [line] = json_lines("terang.request")
    assert line["request_id"] == response["X-Request-ID"]
    assert line["status"] == 404


def test_actor_and_request_id_come_from_the_context(db, json_lines):
    user = UserFactory(username="camat")
    with context.use_context(actor=user, request_id="perintah-0001"):
        logging.getLogger("terang.uji").warning("Pagu desa %s berubah", "Sukamaju", extra={"jumlah": 3})

    [line] = json_lines("terang.uji")
    assert line == {
        "time": line["time"],
        "level": "WARNING",
        "logger": "terang.uji",
        "message": "Pagu desa Sukamaju berubah",
        "request_id": "perintah-0001",
        "actor": "camat",
        "jumlah": 3,
    }


def test_exceptions_and_odd_values_are_serialised():
    record = logging.LogRecord("terang.uji", logging.ERROR, __file__, 1, "gagal: %s", ("é",), None)
    try:
        raise ValueError("nilai salah")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    record.objek = object()
    RequestContextFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "gagal: é"
    assert line["request_id"] == "-"
    assert "ValueError: nilai salah" in line["exc"]
    assert line["objek"].startswith("<object object")


def test_plain_format_has_the_request_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    logger = logging.getLogger("terang.uji.plain")
    logger.addHandler(handler)
    try:
        with context.use_context(request_id="polos-000001"):
            logger.warning("halo")
    finally:
        logger.removeHandler(handler)

    assert stream.getvalue() == "WARNING [polos-000001] terang.uji.plain: halo\n"


@pytest.mark.parametrize("url", ["/api/v1/tidak-ada/", "/halaman-tidak-ada/", "/api/v1/auth/me/"])
def test_djangos_own_request_warnings_carry_the_request_id(url, db, json_lines):
    response = Client().get(url)

    lines = json_lines("django.request")
    assert len(lines) == 1
    assert lines[0]["request_id"] == response["X-Request-ID"]
    assert lines[0]["level"] == "WARNING"
