from django.template import loader
from django.test import Client


def test_404_uses_the_portal_layout(client, db):
    response = client.get("/tidak-ada/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html
    assert "terang-navbar" in html
    assert "/static/vendor/tabler-1.6.1/tabler.min.css" in html


def test_403_template_renders():
    html = loader.get_template("403.html").render({})
    assert "Akses ditolak" in html


def test_500_renders_without_a_request_context():
    # Django's server_error view renders 500.html with an empty context (no request, user or csrf token)
    html = loader.get_template("500.html").render({})
    assert "Terjadi kesalahan pada server" in html
    assert "/static/vendor/tabler-1.6.1/tabler.min.css" in html
    assert "set_language" not in html and "setlang" not in html


def test_500_page_is_served_when_a_view_fails(db, monkeypatch):
    from terang.portal import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "public_pemda_list", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in response.content.decode()
