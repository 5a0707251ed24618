"""Publishing through the API: export presets, chapters, suggestions, search, CORS, framing.

One app and one aligned episode (the fixture dialogue, with an outline on its
page) serve the whole module; tests that change chapters read the revision first.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import srt
import webvtt
from podalign.api import create_app
from podalign.api.app import ENV_VARS
from podalign.api.jobs import jobs_of
from podalign.api.search_index import match_expression

FIXTURES = Path(__file__).parent / "fixtures"
# The module's episode is aligned with the real model, in this process.
pytestmark = [pytest.mark.slow, pytest.mark.whisper]
OUTLINE = """Episode 7: The Edge

In this episode we discuss:
- Distributed computing and the edge
- Ten years of building cloud software
- The basics of Kubernetes and Helm

"""


@pytest.fixture(scope="module")
def app(tmp_path_factory, recognition_cache):
    data = tmp_path_factory.mktemp("publish")
    config = {"TESTING": True, "DATA_DIR": data / "data", "CACHE_DIR": recognition_cache}
    with pytest.MonkeyPatch.context() as patch:
        for name in ENV_VARS:
            patch.delenv(name, raising=False)
        yield create_app(config)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def run_jobs(app) -> None:
    huey = jobs_of(app).huey
    while (task := huey.dequeue()) is not None:
        huey.execute(task)


@pytest.fixture(scope="module")
def episode(app, client, tmp_path_factory) -> dict:
    page = tmp_path_factory.mktemp("page") / "page.txt"
    page.write_text(OUTLINE + (FIXTURES / "dialogue.txt").read_text())
    with (FIXTURES / "dialogue.mp3").open("rb") as audio, page.open("rb") as transcript:
        response = client.post("/api/episodes", data={"audio": audio, "transcript": transcript})
    assert response.status_code == 202, response.json
    run_jobs(app)
    body = client.get(response.json["url"] + "?words=1").json
    assert body["status"] == "done"
    return body


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def words_of(episode: dict) -> list[str]:
    return [w["text"] for t in episode["transcript"]["turns"] for w in t["words"]]


# ---- transcript exports ------------------------------------------------------------


def test_vtt_presets(client, episode):
    url = episode["urls"]["downloads"]["vtt"]
    default = text_of(client, url)
    assert text_of(client, url + "?preset=netflix") == default
    for preset, (chars, lines) in {"apple": (65, 1), "netflix": (42, 2)}.items():
        captions = webvtt.from_string(text_of(client, f"{url}?preset={preset}")).captions
        assert " ".join(c.text.replace("\n", " ") for c in captions).split() == words_of(episode)
        for caption in captions:
            assert caption.voice in {"Alice Moreno", "Bob Okafor"}
            assert all(len(line) <= chars for line in caption.text.split("\n"))
            assert len(caption.text.split("\n")) <= lines
    apple = webvtt.from_string(text_of(client, f"{url}?preset=apple")).captions
    assert max(len(c.text) for c in apple) > 42


def test_srt_presets(client, episode):
    url = episode["urls"]["downloads"]["srt"]
    assert text_of(client, url + "?preset=netflix") == text_of(client, url)
    subs = list(srt.parse(text_of(client, url + "?preset=p20")))
    for sub in subs:
        lines = sub.content.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 32 for line in lines), sub.content
    named = [s.content.split(":")[0] for s in subs if s.content.startswith(("Alice", "Bob"))]
    assert named == ["Alice Moreno", "Bob Okafor", "Alice Moreno"]


def test_karaoke_vtt_times_every_later_word(client, episode):
    url = episode["urls"]["downloads"]["vtt"] + "?words=1"
    captions = webvtt.from_string(text_of(client, url)).captions
    starts = {round(w["start"], 3) for t in episode["transcript"]["turns"] for w in t["words"]}
    stamps = []
    for caption in captions:
        found = re.findall(r"<(\d\d):(\d\d):(\d\d\.\d\d\d)>", caption.raw_text)
        assert len(found) == len(caption.text.split()) - 1
        stamps += [int(h) * 3600 + int(m) * 60 + float(s) for h, m, s in found]
    assert stamps == sorted(stamps) and len(stamps) > 20
    assert all(round(s, 3) in starts for s in stamps)


def test_podcast_json_per_word(client, episode):
    url = episode["urls"]["downloads"]["podcast"]
    data = json.loads(text_of(client, url + "?words=1"))
    assert [s["body"] for s in data["segments"]] == words_of(episode)
    assert len(json.loads(text_of(client, url))["segments"]) < len(data["segments"])


def test_html_transcript(client, episode):
    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags: list[tuple[str, str]] = []

        def handle_starttag(self, tag, attrs):
            if tag in {"cite", "time", "p"}:
                self.tags.append((tag, ""))

        def handle_data(self, data):
            if self.tags and not self.tags[-1][1]:
                self.tags[-1] = (self.tags[-1][0], data)

    response = client.get(episode["urls"]["downloads"]["html"])
    assert response.mimetype == "text/html"
    reader = Reader()
    reader.feed(response.get_data(as_text=True))
    turns = episode["transcript"]["turns"]
    assert [text for tag, text in reader.tags if tag == "p"] == [t["text"] for t in turns]
    assert [text for tag, text in reader.tags if tag == "cite"] == [
        "Alice Moreno:",
        "Bob Okafor:",
        "Alice Moreno:",
    ]
    assert len([tag for tag, _ in reader.tags if tag == "time"]) == 3


@pytest.mark.parametrize(
    "suffix, message",
    [
        ("transcript.vtt?preset=youtube", "Unknown preset"),
        ("transcript.srt?words=1", "words applies to"),
        ("transcript.txt?preset=apple", "preset applies to"),
        ("transcript.vtt?words=yes", "words must be 0 or 1"),
    ],
)
def test_bad_export_options_are_400(client, episode, suffix, message):
    response = client.get(f"{episode['urls']['self']}/{suffix}")
    assert response.status_code == 400
    assert message in response.json["error"]


# ---- chapters -----------------------------------------------------------------------


def chapters_url(episode: dict) -> str:
    return f"{episode['urls']['self']}/chapters"


def current_revision(client, episode: dict) -> int:
    return client.get(chapters_url(episode)).json["revision"]


def test_suggestions_come_from_the_pages_outline(client, episode):
    body = client.get(chapters_url(episode)).json
    turns = episode["transcript"]["turns"]
    suggested = [(s["title"], s["turn"], s["startTime"]) for s in body["suggestions"]]
    assert suggested == [
        ("Distributed computing and the edge", 0, turns[0]["start"]),
        ("Ten years of building cloud software", 1, turns[1]["start"]),
        ("The basics of Kubernetes and Helm", 2, turns[2]["start"]),
    ]


def test_saving_chapters_snaps_orders_and_exports_them(client, episode):
    turns = episode["transcript"]["turns"]
    word = turns[1]["words"][3]
    revision = current_revision(client, episode)
    response = client.put(
        chapters_url(episode),
        json={
            "revision": revision,
            "chapters": [
                {"startTime": word["start"] + 0.01, "title": "  Cloud   years "},
                {"startTime": 0, "title": "Intro & <welcome>"},
            ],
        },
    )
    assert response.status_code == 200, response.json
    assert response.json == {
        "revision": revision + 1,
        "chapters": [
            {"startTime": 0.0, "title": "Intro & <welcome>"},
            {"startTime": word["start"], "title": "Cloud years"},
        ],
    }
    # A suggestion once taken is no longer offered.
    again = client.get(chapters_url(episode)).json
    assert again["chapters"] == response.json["chapters"]

    exported = client.get(episode["urls"]["chapters"]["json"])
    assert exported.mimetype == "application/json+chapters"
    data = json.loads(exported.get_data(as_text=True))
    assert data["version"] == "1.2.0"
    assert data["chapters"] == [
        {"startTime": 0.0, "title": "Intro & <welcome>", "endTime": word["start"]},
        {"startTime": word["start"], "title": "Cloud years", "endTime": episode["duration"]},
    ]
    track = webvtt.from_string(text_of(client, episode["urls"]["chapters"]["vtt"])).captions
    assert [c.text for c in track] == ["Intro &amp; &lt;welcome&gt;", "Cloud years"]
    assert track[1].start_time.in_milliseconds() == round(word["start"] * 1000)
    notes = text_of(client, episode["urls"]["chapters"]["txt"]).splitlines()
    assert notes == ["00:00 Intro & <welcome>", f"00:{int(word['start']):02d} Cloud years"]


def test_a_stale_revision_is_409_and_changes_nothing(client, episode):
    revision = current_revision(client, episode)
    ok = client.put(
        chapters_url(episode),
        json={"revision": revision, "chapters": [{"startTime": 0, "title": "A"}]},
    )
    assert ok.status_code == 200
    stale = client.put(
        chapters_url(episode),
        json={"revision": revision, "chapters": [{"startTime": 0, "title": "B"}]},
    )
    assert stale.status_code == 409
    assert "Reload" in stale.json["error"]
    assert stale.json["revision"] == revision + 1
    assert client.get(chapters_url(episode)).json["chapters"] == [{"startTime": 0.0, "title": "A"}]


@pytest.mark.parametrize(
    "chapters, message",
    [
        ("nope", "Send a JSON object"),
        ([{"startTime": "1", "title": "x"}], "startTime must be a number"),
        ([{"startTime": 1}], "Each chapter is an object"),
        ([{"startTime": 1e309, "title": "x"}], "startTime must be a number"),
        ([{"startTime": 999, "title": "x"}], "between 0 and"),
        ([{"startTime": 1, "title": " "}], "needs a title"),
        ([{"startTime": 0, "title": "a"}, {"startTime": 0, "title": "b"}], "Two chapters"),
    ],
)
def test_bad_chapters_are_400(client, episode, chapters, message):
    body = {"revision": current_revision(client, episode), "chapters": chapters}
    raw = json.dumps(body).replace("Infinity", "1e309")
    response = client.put(chapters_url(episode), data=raw, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json["error"]


def test_chapters_of_a_missing_episode_are_404(client):
    assert client.get("/api/episodes/nope/chapters.json").status_code == 404
    assert (
        client.put("/api/episodes/nope/chapters", json={"revision": 0, "chapters": []}).status_code
        == 404
    )


# ---- CORS and framing -----------------------------------------------------------------


def test_exports_answer_cors_for_reads_only(client, episode):
    urls = episode["urls"]
    exports = [*urls["downloads"].values(), *urls["chapters"].values()]
    for url in exports:
        assert client.get(url).headers.get("Access-Control-Allow-Origin") == "*", url
        assert client.head(url).headers.get("Access-Control-Allow-Origin") == "*", url
        assert "Access-Control-Allow-Origin" not in client.options(url).headers, url
    write = client.put(chapters_url(episode), json={"revision": -1, "chapters": []})
    assert write.status_code == 409
    assert "Access-Control-Allow-Origin" not in write.headers
    for url in [urls["self"], urls["audio"], chapters_url(episode)]:
        assert "Access-Control-Allow-Origin" not in client.get(url).headers, url


def frame_ancestors(response) -> str:
    """The frame-ancestors directive of the response's CSP, whatever else the policy says."""
    directives = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    return next(d for d in directives if d.startswith("frame-ancestors "))


def test_only_the_embed_page_may_be_framed(client, episode):
    embed = client.get(episode["urls"]["embed"])
    assert embed.status_code == 200
    assert frame_ancestors(embed) == "frame-ancestors *"
    assert "X-Frame-Options" not in embed.headers
    urls = ["/", episode["urls"]["page"], episode["urls"]["self"], "/assets/style.css"]
    for url in [*urls, episode["urls"]["downloads"]["html"], "/nope"]:
        response = client.get(url)
        assert frame_ancestors(response) == "frame-ancestors 'none'", url
        assert response.headers["X-Frame-Options"] == "DENY", url


# ---- search ------------------------------------------------------------------------------


def test_search_finds_turns_across_the_library(client, episode):
    response = client.get("/api/search?q=kubernetes helm")
    assert response.status_code == 200
    turns = episode["transcript"]["turns"]
    assert response.json["results"] == [
        {
            "episode_id": episode["id"],
            "episode_title": episode["title"],
            "turn": 2,
            "speaker": "Alice Moreno",
            "start": turns[2]["start"],
            "text": turns[2]["text"],
        }
    ]
    typing = client.get("/api/search?q=distrib").json["results"]
    assert [r["turn"] for r in typing] == [0]
    phrase = client.get('/api/search?q="the edge"').json["results"]
    assert [r["turn"] for r in phrase] == [0]
    assert client.get('/api/search?q="edge the"').json["results"] == []


def test_bad_searches_are_400(client):
    assert "words to look for" in client.get("/api/search?q=%20").json["error"]
    assert client.get("/api/search?q=x&limit=0").status_code == 400
    assert client.get("/api/search?q=x&limit=²").status_code == 400


def test_match_expression_quotes_what_people_type():
    assert match_expression('edge "cloud software" kube') == '"edge" "cloud software" "kube"*'
    assert match_expression('say "hello there"') == '"say" "hello there"'
    assert match_expression("AND OR NOT ( ) * ^ :") == '"AND" "OR" "NOT"*'
    assert match_expression("don't") == '"don\'t"*'
    assert match_expression("  *** ") is None


def test_an_edited_turn_is_found_by_its_new_words(client, episode):
    """Runs last: it changes the module's episode."""
    assert client.get("/api/search?q=zeppelins").json["results"] == []
    revision = client.get(episode["urls"]["self"]).json["revision"]
    text = "Great. Let us start with the basics of zeppelins and Helm."
    response = client.patch(
        f"{episode['urls']['self']}/turns/2", json={"revision": revision, "text": text}
    )
    assert response.status_code == 200, response.json
    hits = client.get("/api/search?q=zeppelins").json["results"]
    assert [(hit["turn"], hit["text"]) for hit in hits] == [(2, text)]
    assert client.get("/api/search?q=kubernetes").json["results"] == []
