"""The library and player pages in a real browser against a real `podalign serve`.

Chromium (Debian's, driven by Playwright) loads the pages from a server
started as a subprocess on a fresh data dir, and the real aligner times the
fixture episode. Screenshots go to tests/output/; set
PODALIGN_UPDATE_SCREENSHOTS=1 to also refresh the ones in docs/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import srt

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
OUTPUT = ROOT / "tests" / "output"
DOCS = ROOT / "docs"
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ALIGN_TIMEOUT_MS = 240_000
XSS = "<img src=x onerror=window.__xss=1>"
XSS_SCRIPT = "<script>window.__xss=1</script>"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.whisper,
    pytest.mark.timeout(600),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium on PATH (Debian: chromium)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    data_dir: Path, *extra: str, token: str | None = None
) -> tuple[str, subprocess.Popen]:
    """Run `podalign serve` on a free port and wait until its API answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODALIGN_")}
    if token:
        env["PODALIGN_API_TOKEN"] = token
    log = (data_dir.parent / f"{data_dir.name}-server.log").open("wb")
    command = [sys.executable, "-m", "podalign.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--data-dir", str(data_dir), *extra],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"podalign serve exited: {Path(log.name).read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/", timeout=2):
                return base, process
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"podalign serve did not answer: {Path(log.name).read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def api_get(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base, process = start_server(tmp_path_factory.mktemp("serve") / "data")
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, viewport: dict = DESKTOP, **options):
    """A fresh browser context and page; script errors on the page fail the test.

    Playwright's wait_for_function evaluates strings, which the pages' CSP forbids, so
    these contexts bypass it; test_api_hostile_server runs the player under its CSP."""
    context = browser.new_context(
        viewport=viewport, accept_downloads=True, bypass_csp=True, **options
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.script_errors = errors
    return page


@pytest.fixture
def page(browser):
    page = open_page(browser)
    yield page
    errors = page.script_errors
    page.context.close()
    assert not errors, f"script errors on the page: {errors}"


def upload_through_form(
    page,
    base: str,
    transcript: Path | None = None,
    text: str | None = None,
    title: str | None = None,
) -> str:
    """Fill in the library's upload form, submit it and return the new episode's id."""
    page.goto(base + "/")
    page.set_input_files("#audio-input", str(FIXTURES / "dialogue.mp3"))
    if transcript is not None:
        page.set_input_files("#transcript-input", str(transcript))
    if text is not None:
        page.click("#paste-details summary")
        page.fill("#transcript-text", text)
    if title is not None:
        page.fill("#title-input", title)
    page.click("#upload-button")
    link = page.wait_for_selector("#upload-note a")
    return link.get_attribute("href").rsplit("/", 1)[1]


def wait_until_done(page, base: str, episode_id: str) -> None:
    """Wait on the library page until the episode's row says it is ready."""
    if page.url != base + "/":
        page.goto(base + "/")
    row = f'.episode-row[data-id="{episode_id}"]'
    page.wait_for_selector(f"{row}.status-done, {row}.status-failed", timeout=ALIGN_TIMEOUT_MS)
    assert page.is_visible(f"{row}.status-done"), page.inner_text(row)


@pytest.fixture(scope="module")
def aligned(server: str, browser) -> str:
    """tests/fixtures/dialogue.* uploaded through the form and aligned: the episode id.

    Watches the upload progress bar, which XMLHttpRequest's upload events drive.
    """
    page = open_page(browser)
    page.goto(server + "/")
    page.evaluate(
        """() => {
            window.__uploadProgress = [];
            const bar = document.querySelector('#upload-progress .progress');
            new MutationObserver(() => window.__uploadProgress.push(
                Number(bar.getAttribute('aria-valuenow')))).observe(bar, {attributes: true});
        }"""
    )
    page.set_input_files("#audio-input", str(FIXTURES / "dialogue.mp3"))
    page.set_input_files("#transcript-input", str(FIXTURES / "dialogue.txt"))
    assert page.inner_text("#audio-name") == "dialogue.mp3"
    page.click("#upload-button")
    link = page.wait_for_selector("#upload-note a")
    episode_id = link.get_attribute("href").rsplit("/", 1)[1]
    assert 100 in page.evaluate("window.__uploadProgress")

    row = f'.episode-row[data-id="{episode_id}"]'
    page.wait_for_selector(row)
    wait_until_done(page, server, episode_id)
    assert page.is_visible(f'{row} a[href$="/transcript.srt"]')
    assert not page.script_errors
    page.context.close()
    return episode_id


def detail(base: str, episode_id: str) -> dict:
    return api_get(base, f"/api/episodes/{episode_id}?words=1")


def open_episode(page, base: str, episode_id: str, suffix: str = "") -> None:
    page.goto(f"{base}/episodes/{episode_id}{suffix}")
    page.wait_for_selector("#turns .turn")
    page.wait_for_function("document.getElementById('audio').readyState >= 1")


def audio_time(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


# Turn 2 shows whole between the sticky player and the window's bottom edge.
TURN_2_IN_VIEW = """() => {
    const turn = document.querySelector('#turn-2').getBoundingClientRect();
    const player = document.getElementById('player').getBoundingClientRect();
    return turn.top >= player.bottom - 1 && turn.bottom <= innerHeight + 1;
}"""


def wait_scroll_settled(page) -> None:
    page.wait_for_function(
        """() => new Promise(done => {
            const y = scrollY;
            setTimeout(() => done(scrollY === y), 300);
        })"""
    )


def wait_current(page, index: int) -> None:
    page.wait_for_function(
        "i => document.querySelector('#turns .turn.current')?.dataset.index === String(i)",
        arg=index,
    )


def test_library_lists_the_uploaded_episode(server: str, aligned: str, page) -> None:
    page.goto(server + "/")
    row = f'.episode-row[data-id="{aligned}"]'
    page.wait_for_selector(f"{row}.status-done")
    assert page.inner_text(f"{row} .row-title") == "Episode 7: The Edge"
    assert page.inner_text(f"{row} .status-pill") == "Ready"
    downloads = page.eval_on_selector_all(f"{row} .row-downloads a", "els => els.map(a => a.text)")
    assert downloads == ["SRT", "WebVTT", "Podcast JSON", "JSON", "Text"]
    page.click(f"{row} a.button.primary")
    page.wait_for_url(f"**/episodes/{aligned}")


def save_screenshot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / name))
    if os.environ.get("PODALIGN_UPDATE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(OUTPUT / name, DOCS / name)


def show_moment(page, base: str, episode_id: str, moment: float) -> None:
    open_episode(page, base, episode_id, f"#t={moment:.2f}")
    page.wait_for_selector("#turns .turn.current .w.spoken")
    wait_scroll_settled(page)
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    wait_scroll_settled(page)


# Early in the file so the pictures show the episode before other tests edit it.
def test_screenshots_desktop_and_phone(server: str, aligned: str, browser) -> None:
    turns = detail(server, aligned)["transcript"]["turns"]
    words = [w for w in turns[1]["words"] if w["start"] is not None]
    moment = words[len(words) // 2]["start"] + 0.02

    page = open_page(browser, DESKTOP)
    try:
        show_moment(page, server, aligned, moment)
        save_screenshot(page, "episode-page.png")
        assert not page.script_errors
    finally:
        page.context.close()

    phone = open_page(browser, PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        show_moment(phone, server, aligned, moment)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the page is wider than a phone screen"
        save_screenshot(phone, "episode-page-phone.png")
        for selector in ["#play", "#back5", "#fwd5", "#rate", "#turn-0 [data-action='copy']"]:
            assert phone.get_attribute(selector, "aria-label"), selector
        assert not phone.script_errors
    finally:
        phone.context.close()


def test_clicking_a_turn_seeks_to_its_start_and_plays(server: str, aligned: str, page) -> None:
    turn = detail(server, aligned)["transcript"]["turns"][2]
    open_episode(page, server, aligned)
    page.evaluate(
        """() => {
            const audio = document.getElementById('audio');
            audio.addEventListener('seeking', () => { window.__seekedTo = audio.currentTime; },
                                   {once: true});
        }"""
    )
    page.click("#turns .turn:nth-child(3) .turn-text")
    page.wait_for_function("!document.getElementById('audio').paused")
    assert abs(page.evaluate("window.__seekedTo") - turn["start"]) < 0.05
    assert turn["start"] - 0.05 < audio_time(page) < turn["end"] + 0.5
    wait_current(page, 2)
    assert page.get_attribute("#play", "aria-label") == "Pause"
    page.wait_for_selector("#turns .turn.current .w.spoken")


def test_clicking_the_time_seeks_too(server: str, aligned: str, page) -> None:
    turn = detail(server, aligned)["transcript"]["turns"][1]
    open_episode(page, server, aligned)
    page.click("#turn-1 .turn-time")
    page.wait_for_function("!document.getElementById('audio').paused")
    wait_current(page, 1)
    assert audio_time(page) >= turn["start"] - 0.05


def test_deep_link_opens_at_that_moment(server: str, aligned: str, page) -> None:
    turns = detail(server, aligned)["transcript"]["turns"]
    moment = round((turns[1]["start"] + turns[1]["end"]) / 2, 1)
    open_episode(page, server, aligned, f"#t={moment}")
    wait_current(page, 1)
    page.wait_for_function(
        f"Math.abs(document.getElementById('audio').currentTime - {moment}) < .05"
    )
    assert page.get_attribute("#turns .turn.current", "aria-current") == "true"
    assert page.is_visible("#turns .turn.current .w.spoken")

    later = round(turns[2]["start"] + 0.3, 1)
    open_episode(page, server, aligned, f"?t={later}")
    wait_current(page, 2)


def test_copy_link_gives_a_deep_link(server: str, aligned: str, browser) -> None:
    page = open_page(browser, permissions=["clipboard-read", "clipboard-write"])
    try:
        turn = detail(server, aligned)["transcript"]["turns"][2]
        open_episode(page, server, aligned)
        page.click("#turn-2 [data-action='copy']")
        page.wait_for_selector("#toast.show")
        link = page.evaluate("navigator.clipboard.readText()")
        assert link.startswith(f"{server}/episodes/{aligned}#t=")
        assert turn["start"] <= float(link.rsplit("=", 1)[1]) < turn["start"] + 0.011
        assert not page.script_errors
    finally:
        page.context.close()


def test_keyboard_moves_between_turns(server: str, aligned: str, page) -> None:
    turns = detail(server, aligned)["transcript"]["turns"]
    open_episode(page, server, aligned, f"#t={turns[0]['start'] + 0.1:.2f}")
    wait_current(page, 0)
    page.keyboard.press("j")
    wait_current(page, 1)
    assert abs(audio_time(page) - turns[1]["start"]) < 0.05
    page.keyboard.press("j")
    wait_current(page, 2)
    page.keyboard.press("k")
    wait_current(page, 1)

    page.keyboard.press("Space")
    page.wait_for_function("!document.getElementById('audio').paused")
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('audio').paused")
    before = audio_time(page)
    page.keyboard.press("ArrowRight")
    duration = page.evaluate("document.getElementById('audio').duration")
    assert audio_time(page) == pytest.approx(min(before + 5, duration), abs=0.05)

    # Typing in the search box is not a shortcut.
    page.click("#search")
    page.keyboard.type("j")
    assert page.input_value("#search") == "j"


def test_search_filters_and_highlights(server: str, aligned: str, page) -> None:
    turns = detail(server, aligned)["transcript"]["turns"]
    expected = [t["index"] for t in turns if "kubernetes" in t["text"].lower()]
    assert expected, "the fixture transcript mentions Kubernetes"
    open_episode(page, server, aligned)
    page.fill("#search", "kubernetes")
    page.wait_for_selector("#turns mark")
    shown = page.eval_on_selector_all(
        "#turns .turn:not([hidden])", "items => items.map(li => Number(li.dataset.index))"
    )
    assert shown == expected
    marks = page.eval_on_selector_all("#turns mark", "marks => marks.map(m => m.textContent)")
    assert marks and all(m.lower() == "kubernetes" for m in marks)
    lines = f"{len(expected)} line{'' if len(expected) == 1 else 's'}"
    assert page.inner_text("#search-count") == lines

    page.press("#search", "Enter")
    wait_current(page, expected[0])
    assert page.is_visible(f"#turn-{expected[0]}.match-focus")

    page.fill("#search", "")
    page.wait_for_function("document.querySelectorAll('#turns .turn[hidden]').length === 0")
    assert page.query_selector("#turns mark") is None


def test_download_srt(server: str, aligned: str, page, tmp_path: Path) -> None:
    open_episode(page, server, aligned)
    with page.expect_download() as info:
        page.click("#downloads [data-download='srt']")
    download = info.value
    assert download.suggested_filename.endswith(".srt")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    subtitles = list(srt.parse(target.read_text(encoding="utf-8")))
    assert subtitles
    text = " ".join(s.content for s in subtitles)
    assert "Welcome to the show" in text
    assert "Kubernetes" in text


def test_fix_a_turn_start_by_hand(server: str, aligned: str, page) -> None:
    before = detail(server, aligned)["transcript"]["turns"][1]
    open_episode(page, server, aligned)
    page.click("#turn-1 [data-action='adjust']")
    assert page.get_attribute("#turn-1 [data-action='adjust']", "aria-expanded") == "true"
    page.click("#turn-1 [data-action='later']")
    page.wait_for_selector("#turn-1 .adjust-state.ok")
    after = detail(server, aligned)["transcript"]["turns"][1]
    assert after["start"] == pytest.approx(before["start"] + 0.1, abs=0.002)
    assert after["manual"] is True
    assert page.inner_text("#turn-1 .badge-manual") == "Set by hand"
    page.wait_for_function("!document.getElementById('undo').disabled")
    assert page.get_attribute("#undo", "title") == "Undo: Set the times of line 2 (Ctrl+Z)"

    page.click("#turn-1 [data-action='earlier']")
    page.wait_for_function(
        "document.querySelector('#turn-1 .adjust-state').textContent === 'Saved'"
        " && !document.querySelector('#turn-1').podalignView.saving"
    )
    restored = detail(server, aligned)["transcript"]["turns"][1]
    assert restored["start"] == pytest.approx(before["start"], abs=0.002)


def test_markup_in_a_transcript_stays_text(server: str, browser, tmp_path: Path) -> None:
    transcript = tmp_path / "xss.json"
    transcript.write_text(
        json.dumps(
            {
                "version": "1.0.0",
                "segments": [
                    {
                        "speaker": XSS,
                        "startTime": 0.8,
                        "endTime": 7.0,
                        "body": f"Welcome to the show. {XSS_SCRIPT} Today we talk about the edge.",
                    },
                    {
                        "speaker": "Bob <b>Okafor</b>",
                        "startTime": 7.4,
                        "endTime": 12.6,
                        "body": "Thanks for having me. <img src=y onerror=window.__xss=2> Cloud.",
                    },
                ],
            }
        )
    )
    page = open_page(browser)
    try:
        episode_id = upload_through_form(page, server, transcript=transcript, title=XSS)
        row_title = page.wait_for_selector(f'.episode-row[data-id="{episode_id}"] .row-title')
        assert row_title.inner_text() == XSS

        open_episode(page, server, episode_id)
        assert page.inner_text("#episode-title") == XSS
        speakers = page.eval_on_selector_all("#turns .speaker", "s => s.map(n => n.textContent)")
        assert speakers == [XSS, "Bob <b>Okafor</b>"]
        assert XSS_SCRIPT in page.inner_text("#turn-0 .turn-text")
        page.fill("#search", "script")
        page.wait_for_selector("#turns mark")
        assert XSS_SCRIPT in page.inner_text("#turn-0 .turn-text")
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.query_selector("#main img, #main script, #main b") is None
        assert not page.script_errors
    finally:
        page.context.close()


def test_dropped_files_are_sorted_into_audio_and_transcript(server: str, page) -> None:
    page.goto(server + "/")
    page.evaluate(
        """() => {
            const files = new DataTransfer();
            files.items.add(new File(['Alice: Hello there.'], 'episode.txt', {type: 'text/plain'}));
            files.items.add(new File(['ID3'], 'episode.mp3', {type: 'audio/mpeg'}));
            const zone = document.querySelector('#drop-audio label');
            for (const type of ['dragenter', 'dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, {
                    dataTransfer: files, bubbles: true, cancelable: true}));
            }
        }"""
    )
    assert page.inner_text("#audio-name") == "episode.mp3"
    assert page.inner_text("#transcript-name") == "episode.txt"
    assert page.is_visible("#drop-audio.has-file") and page.is_visible("#drop-transcript.has-file")


def test_clicking_the_timeline_seeks(server: str, aligned: str, page) -> None:
    open_episode(page, server, aligned)
    box = page.locator("#timeline").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    duration = page.evaluate("document.getElementById('audio').duration")
    assert audio_time(page) == pytest.approx(duration * 0.75, abs=0.15)
    assert page.evaluate("document.getElementById('audio').paused")
    assert page.get_attribute("#timeline", "aria-valuetext").endswith(f"of 0:{int(duration):02d}")


def test_following_pauses_when_scrolling_by_hand(server: str, aligned: str, browser) -> None:
    page = open_page(browser, {"width": 390, "height": 520}, is_mobile=True, has_touch=True)
    try:
        turn = detail(server, aligned)["transcript"]["turns"][2]
        open_episode(page, server, aligned, f"#t={turn['start'] + 0.1:.2f}")
        wait_current(page, 2)
        page.wait_for_function(TURN_2_IN_VIEW)
        assert page.is_hidden("#back-to-current")
        # A wheel turned while the page is still gliding into place is lost.
        wait_scroll_settled(page)

        page.mouse.move(200, 400)
        page.mouse.wheel(0, -4000)
        page.wait_for_selector("#back-to-current", state="visible")
        assert not page.evaluate(TURN_2_IN_VIEW)

        page.click("#back-to-current")
        page.wait_for_function(TURN_2_IN_VIEW)
        page.wait_for_selector("#back-to-current", state="hidden")
        assert not page.script_errors
    finally:
        page.context.close()


def test_a_linked_turn_stays_in_view_when_the_chapters_arrive_as_the_page_scrolls(
    server: str, aligned: str, browser
) -> None:
    """On a slow connection the chapters panel grows above the transcript while the page
    still glides to the linked turn; the browser anchors the view only once it stands
    still, so without following the growth the turn ends up below the window."""
    page = open_page(browser, {"width": 390, "height": 520}, is_mobile=True, has_touch=True)
    held = []
    page.route(re.compile(r".*/chapters$"), lambda route: held.append(route))
    suggestions = [
        {"startTime": 0.5 * i, "title": f"Suggested chapter number {i}"} for i in range(8)
    ]
    try:
        turn = detail(server, aligned)["transcript"]["turns"][2]
        open_episode(page, server, aligned, f"#t={turn['start'] + 0.1:.2f}")
        wait_current(page, 2)
        # The request is out; Playwright hands it over at its next round trip.
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        assert len(held) == 1
        held[0].fulfill(json={"chapters": [], "suggestions": suggestions})
        page.wait_for_selector("#chapter-suggestions-block", state="visible")
        page.wait_for_function(TURN_2_IN_VIEW, timeout=5_000)
        wait_scroll_settled(page)
        assert page.evaluate(TURN_2_IN_VIEW)
        assert page.is_hidden("#back-to-current")
        assert not page.script_errors
    finally:
        page.context.close()


def fake_episode(page, base: str, episode_id: str, change) -> None:
    """Serve the episode's real JSON with `change(body)` applied to it."""

    def handle(route):
        if route.request.method != "GET":
            route.fallback()
            return
        body = route.fetch().json()
        change(body)
        route.fulfill(json=body)

    # With or without the query that asks for the words.
    page.route(re.compile(re.escape(f"{base}/api/episodes/{episode_id}") + r"(\?.*)?$"), handle)


def test_unsure_and_missing_turns_are_marked(server: str, aligned: str, page) -> None:
    def change(body: dict) -> None:
        turns = body["transcript"]["turns"]
        turns[1].update(confidence=0.3, status="aligned", manual=False)
        turns[2].update(status="not_found", start=None, end=None, confidence=None)
        for word in turns[2]["words"]:
            word.update(start=None, end=None)

    fake_episode(page, server, aligned, change)
    open_episode(page, server, aligned)
    assert page.inner_text("#turn-1.low-confidence .badge-low") == "Low confidence"
    assert page.is_hidden("#turn-0 .badge")
    assert page.inner_text("#turn-2.not-found .badge-not-found") == "Not found"
    assert "Not found in the audio" in page.inner_text("#turn-2 .turn-note")
    assert page.is_disabled("#turn-2 .turn-time")
    page.click("#turn-2 .turn-text")
    page.wait_for_selector("#toast.show")
    assert page.evaluate("document.getElementById('audio').paused")


def test_progress_is_shown_until_done(server: str, aligned: str, page) -> None:
    polls = {"count": 0}

    def change(body: dict) -> None:
        polls["count"] += 1
        if polls["count"] <= 2:
            body.update(status="running", progress=40, stage="recognising speech")

    fake_episode(page, server, aligned, change)
    page.goto(f"{server}/episodes/{aligned}")
    page.wait_for_selector("#job-running:not([hidden])")
    assert page.inner_text("#job-stage") == "Recognising speech"
    assert page.get_attribute("#job .progress", "aria-valuenow") == "40"
    assert page.is_hidden("#downloads")
    page.wait_for_selector("#job", state="hidden", timeout=15_000)
    assert page.is_visible("#downloads")
    assert polls["count"] >= 3


def test_failed_episode_offers_retry(server: str, aligned: str, page) -> None:
    state = {"retried": False}

    def change(body: dict) -> None:
        if not state["retried"]:
            body.update(status="failed", error="The aligner ran out of memory.")

    def retry(route) -> None:
        state["retried"] = True
        route.fulfill(status=202, json={"id": aligned, "status": "queued"})

    fake_episode(page, server, aligned, change)
    page.route(f"{server}/api/episodes/{aligned}/retry", retry)
    page.goto(f"{server}/episodes/{aligned}")
    page.wait_for_selector("#job-failed:not([hidden])")
    assert page.inner_text("#job-error") == "The aligner ran out of memory."
    assert page.get_attribute("#retry", "aria-label")
    page.click("#retry")
    page.wait_for_selector("#job", state="hidden")
    assert state["retried"]


def test_a_transcript_without_turns_is_refused_inline(server: str, page) -> None:
    page.goto(server + "/")
    page.set_input_files("#audio-input", str(FIXTURES / "dialogue.mp3"))
    page.click("#paste-details summary")
    page.fill("#transcript-text", '{"version": "1.0.0", "segments": []}')
    page.click("#upload-button")
    page.wait_for_selector("#upload-error:not(:empty)")
    assert "no speaker turns found" in page.inner_text("#upload-error").lower()
    assert page.is_visible("#drop-transcript.invalid")
    assert page.is_hidden("#upload-progress")


def test_the_form_says_what_is_missing(server: str, page) -> None:
    page.goto(server + "/")
    page.click("#upload-button")
    assert "audio" in page.inner_text("#upload-error")
    assert page.is_visible("#drop-audio.invalid") and page.is_visible("#drop-transcript.invalid")


def test_api_token_is_asked_once_and_kept(browser, tmp_path: Path) -> None:
    base, process = start_server(tmp_path / "data", "--workers", "0", token="s3cret-token")
    page = open_page(browser)
    try:
        page.goto(base + "/")
        page.wait_for_selector("#token-dialog[open]")
        page.fill("#token-input", "wrong")
        page.click("#token-dialog button[value='save']")
        page.wait_for_selector("#token-error:not(:empty)")
        page.fill("#token-input", "s3cret-token")
        page.click("#token-dialog button[value='save']")
        page.wait_for_selector("#episodes-empty:not([hidden])")
        assert page.evaluate("localStorage.getItem('podalign.apiToken')") == "s3cret-token"

        episode_id = upload_through_form(page, base, transcript=FIXTURES / "dialogue.txt")
        page.wait_for_selector(f'.episode-row[data-id="{episode_id}"].status-queued')
        assert page.is_hidden("#token-dialog")
        assert not page.script_errors
    finally:
        page.context.close()
        stop_server(process)
