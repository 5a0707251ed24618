"""The pages blueprint without a browser: routes, assets, and guards on the page code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from podalign.api.storage import EpisodeStatus

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


@pytest.mark.parametrize("path", ["/", "/episodes/abc123"])
def test_pages_carry_the_status_values_from_the_server(client, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    served = re.search(r"data-statuses='([^']*)'", html)
    assert served is not None
    assert json.loads(served.group(1)) == {status.name: status.value for status in EpisodeStatus}


def test_scripts_spell_no_status_value() -> None:
    """The scripts compare statuses through STATUS only, so renaming one cannot miss a page."""
    values = "|".join(status.value for status in EpisodeStatus)
    for script in SCRIPTS:
        found = re.findall(rf"""status\s*[!=]==?\s*["'](?:{values})["']""", script.read_text())
        assert found == [], script.name


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
