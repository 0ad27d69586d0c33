"""The e-Budgeting home links every section, and each section opens for a pemda-wide reader and an agency user."""

import re

import pytest
from django.urls import reverse

from terang.accounts.testing import force_login_verified
from terang.testing.budget import make_budget_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["tapd", "operator", "bpkad"])
def test_every_section_link_opens(client, who):
    world = make_budget_world()
    force_login_verified(client, world.users[who])
    home = client.get(reverse("budgeting:home"))
    assert home.status_code == 200
    nav = re.search(r'data-testid="budget-sections">(.*?)</nav>', home.content.decode(), re.S).group(1)
    links = re.findall(r'href="([^"]+)"', nav)
    assert len(links) == 9
    for link in links:
        assert client.get(link).status_code == 200, link
