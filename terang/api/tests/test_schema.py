"""OpenAPI 3 schema at /api/schema/, interactive docs at /api/docs/ and /api/redoc/ served from local files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

OUR_PATHS = {
    "/api/v1/pemda/",
    "/api/v1/pemda/{kode}/",
    "/api/v1/wilayah/",
    "/api/v1/wilayah/{kode}/",
    "/api/v1/perangkat-daerah/",
    "/api/v1/perangkat-daerah/{id}/",
    "/api/v1/dprd/anggota/",
    "/api/v1/dprd/anggota/{id}/",
    "/api/v1/dprd/fraksi/",
    "/api/v1/dprd/fraksi/{id}/",
    "/api/v1/auth/token/",
    "/api/v1/auth/me/",
}


def test_schema_is_valid_openapi_3_with_our_paths(api, db):
    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= OUR_PATHS
    assert set(schema["paths"]["/api/v1/wilayah/"]) == {"get"}  # read-only
    params = {p["name"] for p in schema["paths"]["/api/v1/wilayah/"]["get"]["parameters"]}
    assert params == {"tingkat", "induk", "q", "ordering", "page", "page_size"}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_schema_as_json(api, db):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert set(json.loads(response.content)["paths"]) >= OUR_PATHS


def test_committed_schema_file_exists_and_is_openapi(db):
    path = Path(settings.BASE_DIR) / "schema" / "openapi.yaml"
    schema = yaml.safe_load(path.read_text())

    validate_schema(schema)
    assert set(schema["paths"]) >= OUR_PATHS


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_only_local_files(url, api, db):
    response = api.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references, html
    assert all(ref.startswith("/static/") for ref in references), references
    assert "http://" not in html and "https://" not in html and "//fonts." not in html
    for ref in references:
        assert finders.find(ref.removeprefix(settings.STATIC_URL)), f"{ref} is not shipped"
    assert "/api/schema/" in html


def test_swagger_ui_does_not_call_the_online_validator(api, db):
    html = api.get("/api/docs/").content.decode()

    assert '"validatorUrl": null' in html


def test_v1_index_points_to_the_docs(api, db):
    response = api.get("/api/v1/")

    assert response.json() == {
        "versi": "v1",
        "dokumentasi": "http://testserver/api/docs/",
        "redoc": "http://testserver/api/redoc/",
        "skema": "http://testserver/api/schema/",
    }
