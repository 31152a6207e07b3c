"""The supervision pages as served: every script and stylesheet from the app, in Chinese and English.
The browser tests (tests/browser/test_supervision_browser.py) drive the same pages."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

PAGES = ["/supervision", "/supervision?lang=en", "/supervision/projects/2019-350212-47-01-000001", "/inspections",
         "/inspections?lang=en"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [(tag, value) for name, value in attrs if name in ("src", "href") and value is not None]


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_are_served_with_every_asset_from_the_app(client, loaded_samples, path) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    parser = Links()
    parser.feed(response.text)
    assert ("script", "/static/js/dashboard.js") in {(tag, urlsplit(url).path) for tag, url in parser.urls}
    for tag, url in parser.urls:
        parts = urlsplit(urljoin("http://testserver" + path, url))
        assert parts.netloc == "testserver", f"<{tag}> reaches off site: {url}"
        if tag in ("script", "link", "img"):
            assert client.get(parts.path).status_code == 200, f"<{tag}> {url} is not served"
    assert ("一张蓝图总图" if "lang=en" not in path else "Blueprint map") in response.text  # the frame's language


@pytest.mark.parametrize(("path", "words"), [("/supervision/calendar", "录入某年的节假日安排通知"),
                                             ("/supervision/calendar?lang=en", "Enter a year's holiday notice")])
def test_the_holiday_notice_page_is_served_with_its_assets_in_its_language(client, path, words) -> None:
    response = client.get(path)
    assert response.status_code == 200 and words in response.text.replace("&#39;", "'")
    parser = Links()
    parser.feed(response.text)
    paths = {(tag, urlsplit(url).path) for tag, url in parser.urls}
    assert ("script", "/static/js/holiday_notice.js") in paths and ("link", "/static/css/clocks.css") in paths
    for tag, url in parser.urls:
        if tag in ("script", "link"):
            assert client.get(urlsplit(url).path).status_code == 200, f"<{tag}> {url} is not served"
