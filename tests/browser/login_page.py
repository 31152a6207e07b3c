"""Logging in through the login page in a browser tab, as a person does."""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def log_in(tab, username: str, secret: str) -> None:
    """Log in on the login page, coming from (and going back to) the page the tab shows; the navigation bar
    then names the account."""
    page = tab.page
    came_from = page.url
    page.goto(_login_url(came_from))
    page.fill("#login-username", username)
    page.fill("#login-secret", secret)
    page.click("#login-submit")
    page.wait_for_url(came_from)
    page.wait_for_selector("#login-user")
    tab.settle()


def _login_url(came_from: str) -> str:
    parts = urlsplit(came_from)
    language = "en" if "lang=en" in parts.query else "zh"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{parts.scheme}://{parts.netloc}/login?lang={language}&next={quote(path, safe='')}"

