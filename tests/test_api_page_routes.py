"""The pages blueprint without a browser: routes, assets, and guards on the page code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

API = Path(__file__).resolve().parent.parent / "api"
SCRIPTS = sorted((API / "static").glob("*.js"))
PAGE_FILES = [*SCRIPTS, *(API / "static").glob("*.css"), *(API / "templates").glob("*.html")]


def test_library_page_loads_its_assets(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for asset in ["style.css", "common.js", "library.js", "favicon.svg"]:
        assert f"/assets/{asset}" in html
        assert client.get(f"/assets/{asset}").status_code == 200


def test_episode_page_loads_its_assets(client) -> None:
    html = client.get("/episodes/abc123").get_data(as_text=True)
    assert 'data-episode-id="abc123"' in html
    assert "/assets/player.js" in html
    assert client.get("/assets/player.js").mimetype in {"text/javascript", "application/javascript"}


def test_episode_id_is_escaped_in_the_page(client) -> None:
    html = client.get("/episodes/%22%3E%3Cscript%3Ealert(1)").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'data-episode-id="&#34;&gt;&lt;script&gt;alert(1)"' in html


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_never_parse_html(script: Path) -> None:
    """User text reaches the DOM only as text: no HTML-parsing sinks at all."""
    sinks = re.compile(r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(")
    assert not sinks.search(script.read_text()), script.name


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.name)
def test_pages_load_nothing_from_other_sites(path: Path) -> None:
    # The SVG namespace is an identifier, not a download.
    text = path.read_text().replace("http://www.w3.org/2000/svg", "")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name
