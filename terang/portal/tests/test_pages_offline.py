"""No page may load anything from another host: scripts, styles, images and fonts all come from this server."""

from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

from terang.testing.factories import make_user

# Tags/attributes that make the browser fetch something when the page loads.
LOADING_ATTRS = {
    "script": ["src"],
    "link": ["href"],
    "img": ["src", "srcset"],
    "iframe": ["src"],
    "source": ["src", "srcset"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "embed": ["src"],
    "object": ["data"],
    "form": ["action"],
}


class ResourceCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loaded: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for attr in LOADING_ATTRS.get(tag, []):
            if values.get(attr):
                self.loaded.append(values[attr])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if values.get("style") and "url(" in values["style"]:
            self.loaded.append(values["style"])


def _external(urls):
    return [u for u in urls if urlparse(u.strip()).netloc or u.strip().startswith("//") or "url(http" in u]


PAGES = [
    "/",
    "/tentang/",
    "/wilayah/35/",
    "/wilayah/35.10/",
    "/wilayah/35.10.01/",
    "/wilayah/35.10.01.2001/",
    "/wilayah/35.10.16.1001/",
    "/wilayah/tidak-ada/",
]


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_load_nothing_from_other_hosts(client, bwi, path):
    html = client.get(path).content.decode()
    parser = ResourceCollector()
    parser.feed(html)

    assert parser.loaded, "the page should at least load its stylesheet"
    assert _external(parser.loaded) == []
    assert "https://" not in "".join(parser.loaded) and "http://" not in "".join(parser.loaded)
    # links (navigation, not loads) to other hosts are allowed only for the pemda's own website
    assert [u for u in _external(parser.links) if "go.id" not in u] == []


def test_staff_home_loads_nothing_from_other_hosts(client, bwi):
    user = make_user("bappeda_planner", pemda=bwi["pemda"])
    client.force_login(user)
    parser = ResourceCollector()
    parser.feed(client.get("/staf/").content.decode())
    assert _external(parser.loaded) == []
    assert _external(parser.links) == []


def test_vendored_assets_exist():
    from django.contrib.staticfiles import finders

    for path in [
        "vendor/tabler-1.6.1/tabler.min.css",
        "vendor/tabler-1.6.1/tabler.min.js",
        "vendor/tabler-1.6.1/LICENSE",
        "vendor/htmx-2.0.11/htmx.min.js",
        "vendor/htmx-2.0.11/LICENSE",
        "vendor/echarts-6.1.0/echarts.min.js",
        "vendor/echarts-6.1.0/LICENSE",
        "vendor/echarts-6.1.0/NOTICE",
        "vendor/leaflet-1.9.4/leaflet.js",
        "vendor/leaflet-1.9.4/leaflet.css",
        "vendor/leaflet-1.9.4/images/layers.png",
        "vendor/leaflet-1.9.4/LICENSE",
        "terang/js/peta.js",
        "terang/css/terang.css",
    ]:
        assert finders.find(path), path


def test_vendored_css_fetches_nothing_remote():
    import re

    from django.contrib.staticfiles import finders

    for path in ["vendor/tabler-1.6.1/tabler.min.css", "vendor/leaflet-1.9.4/leaflet.css", "terang/css/terang.css"]:
        with open(finders.find(path), encoding="utf-8") as fh:
            css = fh.read()
        assert "@import" not in css
        remote = [u for u in re.findall(r"url\(([^)]*)\)", css) if re.match(r"""['"]?(https?:)?//""", u)]
        assert remote == [], path
