"""Fixing the transcript on the episode page, in Chromium against a real `podalign serve`.

One server and one aligned episode serve every test; each test starts from the
aligned transcript (the changes of the one before are undone through the API)
and checks both the page and the SRT the page downloads.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import srt
from test_api_page_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIXTURES,
    XSS,
    api_get,
    open_page,
    start_server,
    stop_server,
    sync_api,
    upload_through_form,
    wait_until_done,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.whisper,
    pytest.mark.timeout(600),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium on PATH (Debian: chromium)"),
]

BOB = "Thanks for having me. I have been building cloud software for 10 years."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base, process = start_server(tmp_path_factory.mktemp("edit-serve") / "data")
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def episode_id(server: str, browser) -> str:
    page = open_page(browser)
    episode_id = upload_through_form(page, server, transcript=FIXTURES / "dialogue.txt")
    wait_until_done(page, server, episode_id)
    page.context.close()
    return episode_id


def api(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def undo_everything(base: str, episode_id: str) -> None:
    url = f"/api/episodes/{episode_id}"
    while True:
        revision = api_get(base, url)["revision"]
        status, _ = api(base, "POST", f"{url}/undo", {"revision": revision})
        if status == 409:
            return


@pytest.fixture
def page(server: str, browser, episode_id: str):
    undo_everything(server, episode_id)
    page = open_page(browser, viewport={"width": 1280, "height": 1000})
    page.goto(f"{server}/episodes/{episode_id}")
    page.wait_for_selector("#turns .turn [data-edit='open']")
    yield page
    errors = page.script_errors
    page.context.close()
    assert not errors, f"script errors on the page: {errors}"


def texts(page) -> list[str]:
    return page.eval_on_selector_all("#turns .turn .turn-text", "els => els.map(e => e.innerText)")


def speakers(page) -> list[str]:
    return page.eval_on_selector_all("#turns .turn .speaker", "els => els.map(e => e.innerText)")


def wait_status(page, prefix: str) -> None:
    page.wait_for_function(
        "p => document.getElementById('edit-status').textContent.startsWith(p)", arg=prefix
    )


def downloaded_srt(page, tmp_path: Path) -> list[srt.Subtitle]:
    with page.expect_download() as info:
        page.click("#downloads [data-download='srt']")
    target = tmp_path / "download.srt"
    info.value.save_as(target)
    return list(srt.parse(target.read_text(encoding="utf-8")))


def open_editor(page, index: int) -> None:
    page.click(f"#turn-{index} [data-edit='open']")
    page.wait_for_selector(f"#turn-{index} .edit-form textarea")


def test_edit_text_in_place_enter_saves(page, tmp_path: Path) -> None:
    open_editor(page, 2)
    field = "#turn-2 .edit-form textarea"
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    page.fill(field, "Great. Let us start with the basics of Kubernetes and Helm charts.")
    page.press(field, "Enter")
    wait_status(page, "Saved line 3")

    assert texts(page)[2] == "Great. Let us start with the basics of Kubernetes and Helm charts."
    assert page.is_hidden("#turn-2 .edit-form")
    assert page.evaluate("document.activeElement.dataset.edit") == "open"
    assert any("Helm charts." in cue.content for cue in downloaded_srt(page, tmp_path))


def test_escape_cancels_an_edit(page, tmp_path: Path) -> None:
    page.keyboard.press("j")  # the first line becomes current; e edits it
    page.wait_for_selector("#turns .turn.current")
    page.keyboard.press("e")
    field = "#turns .turn.current .edit-form textarea"
    page.fill(field, "Something else entirely.")
    page.press(field, "Escape")

    assert page.is_hidden(".edit-form")
    assert texts(page)[0].startswith("Welcome to the show.")
    assert not any("Something else" in cue.content for cue in downloaded_srt(page, tmp_path))


def test_change_a_turns_speaker_to_a_new_name(page, tmp_path: Path) -> None:
    open_editor(page, 1)
    page.fill("#turn-1 .edit-speaker", "Carol Diaz")
    page.press("#turn-1 .edit-speaker", "Enter")
    wait_status(page, "Saved line 2")

    assert speakers(page) == ["Alice Moreno", "Carol Diaz", "Alice Moreno"]
    assert "Carol Diaz" in page.inner_text("#legend")
    assert any(
        cue.content.startswith("Carol Diaz: Thanks") for cue in downloaded_srt(page, tmp_path)
    )


def test_rename_a_speaker_everywhere(page, tmp_path: Path) -> None:
    page.click("#toggle-rename")
    page.select_option("#rename-from", "Alice Moreno")
    page.fill("#rename-to", "Alice Mor")
    page.press("#rename-to", "Enter")
    wait_status(page, "Renamed Alice Moreno to Alice Mor")

    assert speakers(page) == ["Alice Mor", "Bob Okafor", "Alice Mor"]
    cues = downloaded_srt(page, tmp_path)
    assert not any("Alice Moreno" in cue.content for cue in cues)
    assert sum(cue.content.startswith("Alice Mor:") for cue in cues) >= 2


def test_find_and_replace_with_a_preview(page, tmp_path: Path) -> None:
    page.click("#toggle-replace")
    page.fill("#replace-find", "the")
    page.wait_for_function(
        "document.getElementById('replace-preview').textContent === '3 matches in 2 lines'"
    )
    page.fill("#replace-find", "Kubernetes")
    page.fill("#replace-with", "K8s")
    page.wait_for_function(
        "document.getElementById('replace-preview').textContent === '1 match in 1 line'"
    )
    page.click("#replace-all")
    wait_status(page, "Replaced 1 in 1 line")

    assert texts(page)[2] == "Great. Let us start with the basics of K8s and Helm."
    # The preview is redrawn after the status line, on the edit's next render.
    page.wait_for_function(
        "document.getElementById('replace-preview').textContent === 'No matches'"
    )
    cues = downloaded_srt(page, tmp_path)
    assert any("K8s" in cue.content for cue in cues)
    assert not any("Kubernetes" in cue.content for cue in cues)


def test_split_a_turn_at_a_word(page, tmp_path: Path) -> None:
    open_editor(page, 1)
    field = "#turn-1 .edit-form textarea"
    page.evaluate(
        """f => { const t = document.querySelector(f);
                  const at = t.value.indexOf(' I have') + 1; t.setSelectionRange(at, at); }""",
        field,
    )
    page.fill("#turn-1 .edit-split-speaker", "Carol")
    page.click("#turn-1 [data-edit='split']")
    wait_status(page, "Split line 2")

    assert texts(page)[1:3] == ["Thanks for having me.", BOB.removeprefix("Thanks for having me. ")]
    assert speakers(page) == ["Alice Moreno", "Bob Okafor", "Carol", "Alice Moreno"]
    cues = downloaded_srt(page, tmp_path)
    assert any(cue.content.startswith("Carol: I have been") for cue in cues)
    assert any(cue.content == "Bob Okafor: Thanks for having me." for cue in cues)


def test_merge_a_turn_with_the_next(page, tmp_path: Path) -> None:
    open_editor(page, 0)
    page.click("#turn-0 [data-edit='merge']")
    wait_status(page, "Merged lines 1 and 2")

    assert len(texts(page)) == 2
    assert texts(page)[0].endswith(f"and the edge. {BOB}")
    assert speakers(page) == ["Alice Moreno", "Alice Moreno"]
    assert not any(cue.content.startswith("Bob") for cue in downloaded_srt(page, tmp_path))


def test_insert_a_turn_the_transcript_missed(page, server: str, episode_id: str, tmp_path) -> None:
    url = f"/api/episodes/{episode_id}"
    status, _ = api(
        server, "DELETE", f"{url}/turns/1", {"revision": api_get(server, url)["revision"]}
    )
    assert status == 200
    page.reload()
    page.wait_for_selector("#turns .turn [data-edit='open']")
    assert len(texts(page)) == 2

    open_editor(page, 0)
    page.click("#turn-0 [data-edit='insert']")
    page.fill("#turn-0 .insert-form .edit-speaker", "Bob Okafor")
    page.fill("#turn-0 .insert-form textarea", BOB)
    page.press("#turn-0 .insert-form textarea", "Enter")
    wait_status(page, "Inserted line 2")

    assert texts(page)[1] == BOB and speakers(page)[1] == "Bob Okafor"
    assert page.inner_text("#turn-1 .turn-time") == "0:07"
    assert any(
        cue.content.startswith("Bob Okafor: Thanks") for cue in downloaded_srt(page, tmp_path)
    )

    open_editor(page, 2)
    page.click("#turn-2 [data-edit='insert']")
    page.fill("#turn-2 .insert-form textarea", "Giraffes eat acacia leaves in winter.")
    page.press("#turn-2 .insert-form textarea", "Enter")
    wait_status(page, "Inserted line 4; it was not found in the audio")
    assert page.is_visible("#turn-3 .badge-not-found")


def test_delete_a_turn(page, tmp_path: Path) -> None:
    open_editor(page, 1)
    page.click("#turn-1 [data-edit='delete']")
    wait_status(page, "Deleted line 2")

    assert speakers(page) == ["Alice Moreno", "Alice Moreno"]
    assert not any("Thanks for having me" in cue.content for cue in downloaded_srt(page, tmp_path))


def test_undo_and_redo_with_buttons_keys_and_history(page, tmp_path: Path) -> None:
    page.wait_for_function("document.getElementById('undo').disabled")
    open_editor(page, 1)
    page.click("#turn-1 [data-edit='delete']")
    wait_status(page, "Deleted line 2")

    page.click("#undo")
    wait_status(page, "Undone: Delete line 2")
    assert speakers(page) == ["Alice Moreno", "Bob Okafor", "Alice Moreno"]
    assert any(cue.content.startswith("Bob Okafor") for cue in downloaded_srt(page, tmp_path))

    page.click("#redo")
    wait_status(page, "Redone: Delete line 2")
    assert len(texts(page)) == 2

    page.click("#episode-title")  # focus out of the buttons: shortcuts work on the page
    page.keyboard.press("Control+z")
    wait_status(page, "Undone: Delete line 2")
    assert len(texts(page)) == 3
    page.keyboard.press("Control+Shift+Z")
    wait_status(page, "Redone: Delete line 2")
    assert len(texts(page)) == 2
    assert not any(cue.content.startswith("Bob") for cue in downloaded_srt(page, tmp_path))

    page.keyboard.press("Control+z")
    wait_status(page, "Undone")
    page.click("#toggle-history")
    items = page.eval_on_selector_all(
        "#history-list li", "els => els.map(e => [e.className, e.innerText])"
    )
    assert len(items) == 1 and items[0][0] == "undone"
    assert items[0][1].startswith("Delete line 2")

    page.reload()  # the history is kept on the server
    page.wait_for_selector("#turns .turn [data-edit='open']")
    page.wait_for_function("!document.getElementById('redo').disabled")
    assert page.get_attribute("#redo", "title") == "Redo: Delete line 2 (Ctrl+Shift+Z)"


def test_markup_typed_into_a_turn_stays_text(page, tmp_path: Path) -> None:
    open_editor(page, 0)
    page.fill("#turn-0 .edit-form textarea", f"Welcome {XSS} to the show.")
    page.fill("#turn-0 .edit-speaker", "<b>Eve</b>")
    page.press("#turn-0 .edit-form textarea", "Enter")
    wait_status(page, "Saved line 1")

    assert texts(page)[0] == f"Welcome {XSS} to the show."
    assert speakers(page)[0] == "<b>Eve</b>"
    assert page.evaluate("window.__xss") is None
    assert page.query_selector("#turns img, #turns b") is None
    first = " ".join(downloaded_srt(page, tmp_path)[0].content.split())
    assert first == f"<b>Eve</b>: Welcome {XSS} to the show."
