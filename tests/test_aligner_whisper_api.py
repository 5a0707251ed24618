"""The faster-whisper and CTranslate2 internals aligner/whisper_api.py relies on still exist.

An upgrade that renames or reshapes one of them fails here, by name, instead of
deep inside an alignment. The end-to-end tests run them with the real model.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import ctranslate2
import faster_whisper.audio
import faster_whisper.tokenizer
import faster_whisper.transcribe
import faster_whisper.vad
import numpy as np
import pytest
from faster_whisper import WhisperModel
from faster_whisper.feature_extractor import FeatureExtractor
from podalign.aligner import whisper_api


def parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_the_pinned_faster_whisper_is_installed() -> None:
    assert version("faster-whisper") == "1.2.1"


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (faster_whisper.audio, "pad_or_trim"),
        (faster_whisper.transcribe, "get_suppressed_tokens"),
        (faster_whisper.vad, "get_vad_model"),
        (WhisperModel, "find_alignment"),
        (WhisperModel, "encode"),
        (ctranslate2.models.Whisper, "generate"),
        (ctranslate2.models.Whisper, "align"),
        (ctranslate2.models.Whisper, "num_workers"),
        (ctranslate2.models.Whisper, "is_multilingual"),
    ],
)
def test_each_internal_name_still_exists(owner: object, name: str) -> None:
    assert hasattr(owner, name)


def test_find_alignment_takes_what_the_adapter_passes() -> None:
    assert parameters(WhisperModel.find_alignment)[:5] == [
        "self",
        "tokenizer",
        "text_tokens",
        "encoder_output",
        "num_frames",
    ]


def test_tokenizer_and_suppressed_tokens_take_what_the_adapter_passes() -> None:
    assert parameters(faster_whisper.tokenizer.Tokenizer.__init__)[1:3] == [
        "tokenizer",
        "multilingual",
    ]
    assert parameters(faster_whisper.transcribe.get_suppressed_tokens) == [
        "tokenizer",
        "suppress_tokens",
    ]


def test_the_model_sets_what_the_adapter_reads_in_its_constructor() -> None:
    source = inspect.getsource(WhisperModel.__init__)
    for attribute in (
        "self.model =",
        "self.hf_tokenizer =",
        "self.feature_extractor =",
        "self.tokens_per_second =",
    ):
        assert attribute in source


def test_features_pad_to_thirty_seconds_and_count_the_real_frames() -> None:
    class Model:
        feature_extractor = FeatureExtractor()

    mel, frames = whisper_api.features(Model(), np.zeros(16000, np.float32))  # type: ignore[arg-type]
    assert mel.shape[-1] == Model.feature_extractor.nb_max_frames
    # One frame per 10 ms hop, counting the frame centred on the last sample.
    assert frames == 101


def test_the_bundled_vad_scores_512_sample_chunks() -> None:
    probabilities = np.asarray(whisper_api.vad_model()(np.zeros(2048, np.float32))).reshape(-1)
    assert probabilities.shape == (4,) and float(probabilities.max()) < 0.5
