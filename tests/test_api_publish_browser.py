"""Publishing in a real browser: chapters, shared spans, the embed in a foreign page,
library search, and Chromium's own WebVTT parser on the karaoke export.

One `podalign serve` and one aligned episode (the fixture dialogue, its page
carrying an "In this episode we discuss" outline) serve the whole module.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from test_api_page_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIXTURES,
    api_get,
    open_page,
    start_server,
    stop_server,
)

sync_api = pytest.importorskip("playwright.sync_api")

OUTLINE = """Episode 7: The Edge

In this episode we discuss:
- Distributed computing and the edge
- Ten years of building cloud software
- The basics of Kubernetes and Helm

"""
ALIGN_SECONDS = 240

pytestmark = [
    pytest.mark.slow,
    pytest.mark.whisper,
    pytest.mark.timeout(600),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium on PATH (Debian: chromium)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base, process = start_server(tmp_path_factory.mktemp("publish-serve") / "data")
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def episode(server: str, browser) -> dict:
    """The outline page and the fixture audio posted to the API and aligned: the episode."""
    page_text = OUTLINE + (FIXTURES / "dialogue.txt").read_text()
    context = browser.new_context()
    response = context.request.post(
        f"{server}/api/episodes",
        multipart={
            "audio": {
                "name": "dialogue.mp3",
                "mimeType": "audio/mpeg",
                "buffer": (FIXTURES / "dialogue.mp3").read_bytes(),
            },
            "transcript": {
                "name": "page.txt",
                "mimeType": "text/plain",
                "buffer": page_text.encode(),
            },
        },
    )
    assert response.status == 202, response.text()
    url = response.json()["url"]
    context.close()
    deadline = time.monotonic() + ALIGN_SECONDS
    while time.monotonic() < deadline:
        episode = api_get(server, url + "?words=1")
        if episode["status"] in {"done", "failed"}:
            assert episode["status"] == "done", episode["error"]
            return episode
        time.sleep(0.5)
    raise AssertionError("the episode was not aligned in time")


@pytest.fixture
def page(browser):
    page = open_page(browser)
    yield page
    errors = page.script_errors
    page.context.close()
    assert not errors, f"script errors on the page: {errors}"


def open_episode(page, server: str, episode: dict, suffix: str = "") -> None:
    page.goto(f"{server}{episode['urls']['page']}{suffix}")
    page.wait_for_selector("#turns .turn")
    page.wait_for_function("document.getElementById('audio').readyState >= 1")


def chapters(server: str, episode: dict) -> dict:
    return api_get(server, f"{episode['urls']['self']}/chapters")


def test_mark_edit_move_chapters_and_accept_a_suggestion(server, episode, page) -> None:
    turns = episode["transcript"]["turns"]
    open_episode(page, server, episode)
    page.wait_for_selector("#chapters:not([hidden]) .suggestion")
    assert page.locator("#chapter-suggestions .suggestion-title").all_inner_texts() == [
        "Distributed computing and the edge",
        "Ten years of building cloud software",
        "The basics of Kubernetes and Helm",
    ]

    page.click("#turn-1 .mark-chapter")
    page.wait_for_selector("#chapter-list .chapter")
    title = page.locator("#chapter-list .chapter-title").first
    title.fill("Cloud years")
    title.press("Enter")
    page.wait_for_function("document.getElementById('chapters-state').textContent === 'Saved'")
    page.wait_for_selector("#turn-1.chapter-start[data-chapter='Cloud years']")

    page.click("#chapter-suggestions .suggestion:first-child button")
    page.wait_for_function("document.querySelectorAll('#chapter-list .chapter').length === 2")
    page.wait_for_function("document.getElementById('chapters-state').textContent === 'Saved'")
    saved = chapters(server, episode)
    assert saved["chapters"] == [
        {"startTime": turns[0]["start"], "title": "Distributed computing and the edge"},
        {"startTime": turns[1]["start"], "title": "Cloud years"},
    ]
    # Turn 1 already starts a chapter, so its suggestion is no longer offered.
    assert [s["title"] for s in saved["suggestions"]] == ["The basics of Kubernetes and Helm"]

    # Move "Cloud years" to the playhead, inside a word of turn 2: it snaps to that word.
    word = turns[2]["words"][4]
    page.evaluate(
        "t => { document.getElementById('audio').currentTime = t; }", word["start"] + 0.05
    )
    page.wait_for_function(
        "t => Math.abs(document.getElementById('audio').currentTime - t) < 0.01",
        arg=word["start"] + 0.05,
    )
    page.click("#chapter-list .chapter:nth-child(2) .chapter-move")
    page.wait_for_function(
        "t => document.querySelector('#chapter-list .chapter:nth-child(2)').dataset.start == t",
        arg=word["start"],
    )
    assert chapters(server, episode)["chapters"][1] == {
        "startTime": word["start"],
        "title": "Cloud years",
    }
    notes = urllib.request.urlopen(server + episode["urls"]["chapters"]["txt"]).read().decode()
    assert notes.splitlines()[0] == "00:00 Distributed computing and the edge"

    page.click("#chapter-list .chapter:nth-child(2) .chapter-delete")
    page.wait_for_function("document.querySelectorAll('#chapter-list .chapter').length === 1")
    assert not page.is_visible("#turn-1.chapter-start")


def select_words(page, turn: int, first: int, last: int) -> None:
    page.evaluate(
        """([turn, first, last]) => {
            const words = document.querySelectorAll(`#turn-${turn} .turn-text .w`);
            const range = document.createRange();
            range.setStartBefore(words[first]);
            range.setEndAfter(words[last]);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        [turn, first, last],
    )


# Installed before the page's own scripts (in every frame): the span of audio played.
WATCH_PLAYBACK = """
window.__highest = 0;
window.__lowest = Infinity;
window.__played = false;
const watch = () => {
    const audio = document.querySelector('audio');
    if (audio && !audio.paused) {
        window.__played = true;
        window.__highest = Math.max(window.__highest, audio.currentTime);
        window.__lowest = Math.min(window.__lowest, audio.currentTime);
    }
    requestAnimationFrame(watch);
};
watch();
"""


def test_share_a_span_and_open_its_link(server, episode, browser) -> None:
    turn = episode["transcript"]["turns"][1]
    words = turn["words"]
    start, end = words[2]["start"], words[5]["end"]
    page = open_page(browser, permissions=["clipboard-read", "clipboard-write"])
    try:
        open_episode(page, server, episode)
        select_words(page, 1, 2, 5)
        page.wait_for_selector("#share-bar:not([hidden])")
        link = page.input_value("#share-link")
        assert link.startswith(f"{server}{episode['urls']['page']}#t=")
        linked_start, linked_end = (float(v) for v in link.split("#t=")[1].split(","))
        assert linked_start <= start < linked_start + 0.01
        assert linked_end - 0.01 < end <= linked_end

        page.click("#share-copy-link")
        assert page.evaluate("navigator.clipboard.readText()") == link
        page.click("#share-copy-quote")
        quote = " ".join(w["text"] for w in words[2:6])
        assert page.evaluate("navigator.clipboard.readText()") == f"“{quote}” — Bob Okafor\n{link}"
        assert not page.script_errors
    finally:
        page.context.close()

    shared = open_page(browser)
    try:
        shared.add_init_script(WATCH_PLAYBACK)
        shared.goto(link)
        shared.wait_for_function(
            "window.__played && document.getElementById('audio').paused", timeout=15_000
        )
        highlighted = shared.locator("#turn-1 .w.in-moment").all_inner_texts()
        assert highlighted == [w["text"] for w in words[2:6]]
        stopped = shared.evaluate("document.getElementById('audio').currentTime")
        assert stopped == pytest.approx(linked_end, abs=0.03)
        assert shared.evaluate("window.__highest") <= linked_end + 0.03
        assert shared.evaluate("window.__lowest") >= linked_start - 0.03
        assert not shared.script_errors
    finally:
        shared.context.close()


class HostPage(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def other_origin(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static site on another loopback port: (its base URL, the folder it serves)."""
    handler = partial(HostPage, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", tmp_path
    httpd.shutdown()
    httpd.server_close()


def test_the_embed_plays_inside_another_sites_page(server, episode, page, other_origin) -> None:
    host, folder = other_origin
    turn = episode["transcript"]["turns"][2]
    start, end = turn["words"][1]["start"], turn["words"][3]["end"]
    embed = f"{server}{episode['urls']['embed']}#t={start},{end}"
    (folder / "index.html").write_text(
        f"<!doctype html><title>Show site</title><h1>Our show</h1>"
        f'<iframe id="embed" src="{embed}" width="600" height="400"></iframe>'
        f'<iframe id="page" src="{server}{episode["urls"]["page"]}" height="200"></iframe>'
    )
    page.add_init_script(WATCH_PLAYBACK)
    page.goto(f"{host}/index.html")
    frame = page.frame_locator("#embed")
    frame.locator(".embed-turn").first.wait_for()
    assert frame.locator(".embed-title").inner_text() == episode["title"]
    assert frame.locator(".embed-turn").count() == 3

    player = page.frame(url=lambda url: "/embed/" in url)
    player.wait_for_function(
        "window.__played && document.getElementById('embed-audio').paused", timeout=15_000
    )
    assert player.evaluate("document.getElementById('embed-audio').currentTime") == pytest.approx(
        end, abs=0.03
    )
    assert player.evaluate("window.__highest") <= end + 0.03
    assert player.evaluate("window.__lowest") >= start - 0.03
    assert frame.locator(".w.in-moment").all_inner_texts() == [
        w["text"] for w in turn["words"][1:4]
    ]

    # Click-to-play: a turn's speaker starts it from its own start.
    first = episode["transcript"]["turns"][0]
    frame.locator(".embed-turn .speaker").first.click()
    player.wait_for_function("!document.getElementById('embed-audio').paused")
    assert player.evaluate("document.getElementById('embed-audio').currentTime") == pytest.approx(
        first["start"], abs=0.5
    )
    frame.locator("#embed-play").click()
    player.wait_for_function("document.getElementById('embed-audio').paused")

    # The episode page refused to be framed: its frame never got the page.
    blocked = (
        page.frame(name="")
        if False
        else next(f for f in page.frames if f != page.main_frame and "/embed/" not in f.url)
    )
    assert blocked.url.startswith("chrome-error://") or not blocked.url.startswith(server)


def test_library_search_opens_the_moment(server, episode, page) -> None:
    turn = episode["transcript"]["turns"][2]
    page.goto(server + "/")
    page.fill("#library-search", "kubernetes hel")
    page.wait_for_selector("#search-results .search-hit")
    hits = page.locator("#search-results .search-hit")
    assert hits.count() == 1
    assert "Alice Moreno" in hits.first.inner_text()
    assert page.locator("#search-results mark").all_inner_texts() == ["Kubernetes", "Helm"]
    hits.first.click()
    page.wait_for_url(f"**{episode['urls']['page']}#t=*")
    page.wait_for_function("document.querySelector('#turns .turn.current')?.dataset.index === '2'")
    page.wait_for_function("document.getElementById('audio').currentTime > 0")
    time_now = page.evaluate("document.getElementById('audio').currentTime")
    assert turn["start"] <= time_now < turn["start"] + 0.02


def test_chromium_reads_the_karaoke_timestamps(server, episode, page) -> None:
    """Chromium's WebVTT parser turns inline timestamps into 'timestamp' processing instructions."""
    open_episode(page, server, episode)
    url = episode["urls"]["downloads"]["vtt"] + "?words=1"
    cues = page.evaluate(
        """url => new Promise((resolve, reject) => {
            const video = document.createElement('video');
            const track = document.createElement('track');
            track.src = url;
            track.kind = 'subtitles';
            track.default = true;
            video.append(track);
            document.body.append(video);
            track.track.mode = 'hidden';
            track.addEventListener('error', () => reject(new Error('track failed to load')));
            track.addEventListener('load', () => resolve([...track.track.cues].map(cue => {
                const walker = document.createTreeWalker(cue.getCueAsHTML(), NodeFilter.SHOW_ALL);
                const stamps = [];
                while (walker.nextNode()) {
                    const node = walker.currentNode;
                    const instruction = node.nodeType === Node.PROCESSING_INSTRUCTION_NODE;
                    if (instruction && node.target === 'timestamp') stamps.push(node.data);
                }
                return {start: cue.startTime, text: cue.getCueAsHTML().textContent, stamps};
            })));
        })""",
        url,
    )
    starts = {round(w["start"], 3) for t in episode["transcript"]["turns"] for w in t["words"]}
    assert len(cues) >= len(episode["transcript"]["turns"])
    for cue in cues:
        assert len(cue["stamps"]) == len(cue["text"].split()) - 1
        for stamp in cue["stamps"]:
            h, m, s = stamp.split(":")
            seconds = int(h) * 3600 + int(m) * 60 + float(s)
            # Chromium prints the parsed time back with its milliseconds cut, not rounded.
            assert any(abs(seconds - start) < 0.0015 for start in starts), stamp
