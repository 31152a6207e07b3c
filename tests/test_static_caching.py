"""Static files under versioned URLs: every script, stylesheet and icon a page links carries a token of the
file's content, so a browser on a slow intranet link keeps it for a year without asking again; the same file
asked for without its current token is revalidated (ETag, 304), and a changed file gets a new URL."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from web.assets import IMMUTABLE, REVALIDATE, VersionedStaticFiles, content_token, static_url


class StaticLinks(HTMLParser):
    """The src and href of a page's <script>, <link> and <img> that point into /static/."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "link", "img"):
            self.urls += [value for name, value in attrs
                          if name in ("src", "href") and value is not None and value.startswith("/static/")]


def static_links(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    parser = StaticLinks()
    parser.feed(response.text)
    return parser.urls


def versioned(client, path: str, page: str = "/map") -> str:
    """The URL ``page`` links the static file ``path`` by."""
    (url,) = [url for url in static_links(client, page) if urlsplit(url).path == path]
    return url


@pytest.mark.parametrize("path", ["/", "/map", "/proposals/1/review", "/supervision", "/investment?lang=en",
                                  "/login", "/docs"])
def test_every_static_url_of_a_page_carries_its_files_token_and_is_kept_for_a_year(client, loaded_samples, path):
    urls = static_links(client, path)
    assert len(urls) >= (3 if path == "/docs" else 8), urls  # Swagger UI's script, stylesheet and icon
    for url in urls:
        (token,) = parse_qs(urlsplit(url).query)["v"]
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", url
        assert token == hashlib.sha256(response.content).hexdigest()[:10], f"{url} is not the served file's token"


@pytest.mark.parametrize("path", ["/static/vendor/leaflet/leaflet.js", "/static/css/blueprint.css"])
def test_a_static_file_without_its_current_token_is_revalidated(client, loaded_samples, path):
    for stale in (path, f"{path}?v=0123456789", f"{path}?v="):
        response = client.get(stale)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-cache", stale
    etag = client.get(path).headers["etag"]
    unchanged = client.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["cache-control"] == "no-cache"
    assert not unchanged.content
    current = client.get(versioned(client, path), headers={"If-None-Match": etag})
    assert current.status_code == 304 and current.headers["cache-control"] == IMMUTABLE


def test_a_large_static_file_is_still_gzipped_under_its_versioned_url(client, loaded_samples):
    response = client.get(versioned(client, "/static/vendor/leaflet/leaflet.js"), headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip" and response.headers["cache-control"] == IMMUTABLE
    assert b"Leaflet" in response.content


def test_a_missing_static_file_is_still_not_found(client):
    assert static_url("js/no-such-script.js") == "/static/js/no-such-script.js"  # nothing to take a token of
    for url in ("/static/js/no-such-script.js", "/static/js/no-such-script.js?v=0123456789",
                "/static/vendor/leaflet/no-such-script.js"):
        assert client.get(url).status_code == 404, url


def test_changing_a_file_changes_its_token_and_its_old_url_is_revalidated(tmp_path: Path):
    script = tmp_path / "js" / "page.js"
    script.parent.mkdir()
    script.write_text("console.log('first');\n")
    first = content_token(script)
    assert first == hashlib.sha256(script.read_bytes()).hexdigest()[:10]
    with TestClient(Starlette(routes=[Mount("/static", VersionedStaticFiles(directory=tmp_path))])) as served:
        assert served.get(f"/static/js/page.js?v={first}").headers["cache-control"] == IMMUTABLE

        script.write_text("console.log('the second version');\n")  # edited under the running server
        second = content_token(script)
        assert second is not None and second != first
        stale = served.get(f"/static/js/page.js?v={first}")
        assert stale.headers["cache-control"] == REVALIDATE and "second" in stale.text
        assert served.get(f"/static/js/page.js?v={second}").headers["cache-control"] == IMMUTABLE

    script.write_text("console.log('first');\n")
    assert content_token(script) == first  # the token is the content's, not the file's age
    assert content_token(tmp_path / "js" / "gone.js") is None
