import re

import pytest

from terang.accounts.choices import Role
from terang.staff import navigation
from terang.testing.factories import OrganisationFactory, UserFactory, make_user


@pytest.fixture
def all_urls_exist(monkeypatch):
    """Pretend every page of the menu exists, so the test does not depend on other apps' progress."""
    monkeypatch.setattr(navigation, "_url", lambda name: "/staf/" if name == "staff:home" else f"/x/{name}/")


def _menu_keys(html: str) -> list[str]:
    return re.findall(r'data-menu="([a-z_]+)"', html)


def _user(role, bwi):
    pemda = bwi["pemda"]
    if role in (Role.OPD_OPERATOR, Role.OPD_HEAD):
        return make_user(role, pemda=pemda, organisation=OrganisationFactory(pemda=pemda))
    if role == Role.KECAMATAN_VERIFIER:
        return make_user(role, pemda=pemda, region=bwi["pesanggaran"])
    if role in (Role.VILLAGE_OPERATOR, Role.VILLAGE_HEAD):
        return make_user(role, pemda=pemda, region=bwi["sarongan"])
    return make_user(role, pemda=pemda)


@pytest.mark.parametrize("role", list(Role))
def test_audit_entry_only_for_auditor_and_pemda_admin(client, bwi, all_urls_exist, role):
    client.force_login(_user(role, bwi))

    keys = _menu_keys(client.get("/staf/").content.decode())

    assert ("audit" in keys) == (role in (Role.AUDITOR, Role.PEMDA_ADMIN))
    assert ("users" in keys) == (role == Role.PEMDA_ADMIN)
    assert {"home", "org", "reference", "api"} <= set(keys)


def test_user_without_role_sees_only_general_entries(client, db, all_urls_exist):
    client.force_login(UserFactory())
    keys = _menu_keys(client.get("/staf/").content.decode())
    assert keys == ["home", "reference", "api"]


def test_pages_that_do_not_exist_yet_are_left_out(monkeypatch, bwi):
    monkeypatch.setattr(navigation, "MENU", [*navigation.MENU, navigation.MenuItem("soon", "Segera", "nope:index")])
    user = make_user(Role.PEMDA_ADMIN, pemda=bwi["pemda"])

    keys = [link.key for link in navigation.staff_menu(user, "/staf/")]

    assert "soon" not in keys
    assert keys[0] == "home"


def test_active_entry_follows_the_path(bwi, all_urls_exist):
    user = make_user(Role.AUDITOR, pemda=bwi["pemda"])
    links = {link.key: link for link in navigation.staff_menu(user, "/x/audit:index/peristiwa/")}
    assert links["audit"].active
    assert not links["home"].active


def test_membership_shown_in_user_menu(client, bwi):
    client.force_login(make_user(Role.AUDITOR, pemda=bwi["pemda"], full_name="Ani Auditor"))
    html = client.get("/staf/").content.decode()
    assert '<span class="terang-user-name">Ani Auditor</span>' in html
    membership = "Inspektur/auditor · Pemerintah Kabupaten Banyuwangi"
    assert f'<span class="dropdown-item-text terang-membership">{membership}</span>' in html
