"""Pages are Indonesian by default, whatever the browser asks; the language switch (cookie) selects English."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_browser_in_english_still_gets_indonesian(client):
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="id"' in response.content.decode()


def test_language_switch_selects_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("portal:home"))
    assert '<html lang="en"' in page.content.decode()
