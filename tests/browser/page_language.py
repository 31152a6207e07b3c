"""One language at a time: what a page in Chinese shows holds no run of English words — not in its text, not in
a title, tooltip, placeholder or label a control carries, and not in the map's controls (the drawing toolbar,
zoom buttons) — save codes, units and names on an allowlist; and a page in English shows no Chinese words in its
interface (labels, buttons, headers, menus, titles and tooltips; the data, such as a project's Chinese name,
stays as it is). The pages sweep (test_pages_sweep.py) reads every page this way at 1440 px."""

from __future__ import annotations

import re

ALLOWED = {
    # names, formats and standards, written so in Chinese text too
    "EPSG", "CGCS2000", "WGS84", "GCJ02", "GCJ-02", "GeoJSON", "Shapefile", "GeoPackage", "KML", "DXF", "PDF",
    "CSV", "zip", "OGC", "API", "Leaflet", "GB/T", "NDRC", "English", "MVT", "OpenAPI", "QGIS", "WFS", "OAPIF",
    # units
    "m", "km", "m²", "ha",
}
"""Latin words a Chinese page may show: ``English`` is the language switch, written in its own language."""
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ \t]+[A-Za-z][A-Za-z'’\-]*)+")
CHINESE_RUN = re.compile(r"[\u4e00-\u9fff]{3,}")
IDENTIFIER = re.compile(r"\S*\d\S*")
"""A token with a digit in it (a code, a date, a test proposal's suffix) is no English word."""

SHOWN_TEXT = """() => {
    // what a person reads on the page: visible text, and what controls say on hover or to a screen reader
    const parts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        if (!element || element.closest('script, style, code, pre, noscript, [data-allow-latin]')) continue;
        const style = getComputedStyle(element);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        if (node.textContent.trim()) parts.push(node.textContent.trim());
    }
    for (const element of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
        if (element.closest('code, pre, [data-allow-latin]')) continue;
        for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
            const value = element.getAttribute(name);
            if (value && value.trim()) parts.push(value.trim());
        }
    }
    return parts;
}"""
INTERFACE_TEXT = """() => {
    // the interface's own words: controls, headers, menus and what controls say on hover
    const parts = [document.title];
    for (const element of document.querySelectorAll('label, button, th, legend, summary, nav a, option, h2, h3')) {
        const text = element.innerText && element.innerText.trim();
        if (text && element.offsetParent !== null) parts.push(text);
    }
    for (const element of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
        for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
            const value = element.getAttribute(name);
            if (value && value.trim()) parts.push(value.trim());
        }
    }
    return parts;
}"""


def english_runs(parts: list[str]) -> list[str]:
    runs = []
    for part in parts:
        for run in LATIN_RUN.findall(IDENTIFIER.sub(" ", part)):
            words = [word for word in re.split(r"[ \t]+", run) if word not in ALLOWED]
            if len(words) >= 2:
                runs.append(f"{run!r} in {part[:80]!r}")
    return runs


def wrong_language(page, language: str) -> list[str]:
    """What the page the tab shows says in the other language: English runs on a Chinese page, Chinese in an
    English page's interface (the first ten)."""
    if language == "zh":
        return [f"English on a Chinese page: {run}" for run in english_runs(page.evaluate(SHOWN_TEXT))]
    chinese = [part for part in page.evaluate(INTERFACE_TEXT)
               if CHINESE_RUN.search(part) and part != "中文"]  # 中文: the language switch
    return [f"Chinese on an English page: {part!r}" for part in chinese[:10]]
