"""A second listen to stretches the first Whisper pass skipped or misheard.

Whisper hears best at the start of a window, so the stretch between two
matched words is recognised again in a window of its own. Words still
unheard are force-aligned when the stretch is short enough for forced
alignment to be trusted: over a long stretch it smears a few words across
music or other speech.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from podalign.aligner.cache import SecondListens
from podalign.aligner.forced import force_align
from podalign.aligner.matching import WordMatch, match_words
from podalign.aligner.recognise import recognise
from podalign.aligner.refine import clamp_long_words
from podalign.aligner.settings import SETTINGS
from podalign.aligner.timing import Span
from podalign.aligner.windows import Window
from podalign.audio import PcmFile

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


class Rescuer:
    """Callable: spans -> for each span a WordMatch per word, timed where found."""

    def __init__(
        self,
        model: Callable[[], WhisperModel],
        pcm: Callable[[], PcmFile],
        language: str | None,
        memo: SecondListens,
    ) -> None:
        self.model = model
        self.pcm = pcm
        self.language = language
        self.memo = memo

    def __call__(self, spans: list[Span]) -> list[list[WordMatch]]:
        windows = [
            Window(
                max(0.0, s.start - SETTINGS.window_lead_seconds),
                min(s.end, s.start + SETTINGS.window_seconds),
            )
            for s in spans
        ]
        keys = [self.memo.window_key(w.start, w.end) for w in windows]
        unheard = [w for w, key in zip(windows, keys, strict=True) if key not in self.memo.heard]
        if unheard:
            heard = recognise(self.model(), self.pcm(), unheard, self.language)
            for window in unheard:
                inside = [w for w in heard if window.start <= w.start < window.end]
                self.memo.remember_heard(self.memo.window_key(window.start, window.end), inside)
        results = []
        for span, key in zip(spans, keys, strict=True):
            inside = self.memo.heard[key]
            matches = match_words(span.words, clamp_long_words(inside))
            if not any(m.is_matched for m in matches) and self._short_enough(span):
                self._force(span, matches)
            self._keep_spoken_in_order(span, matches)
            results.append(matches)
        return results

    def _keep_spoken_in_order(self, span: Span, matches: list[WordMatch]) -> None:
        """Forget words placed on silence or music, outside the span, or out of order.

        Whisper hallucinates "Thank you." in silence, and forced alignment
        scores predictable words highly whatever the audio holds.
        """
        speech = self.memo.speech_map(
            self.pcm(), max(0.0, span.start - SETTINGS.speech_context_seconds), span.end
        )
        previous_start = span.start
        for match in matches:
            if match.start is None or match.end is None:
                continue
            inside = span.start <= match.start and match.end <= span.end
            spoken = speech.share(match.start, max(match.end, match.start + 0.05))
            if not inside or match.start < previous_start or spoken < SETTINGS.speech_share:
                match.start = match.end = None
                match.matched = 0
                continue
            previous_start = match.start

    def _short_enough(self, span: Span) -> bool:
        return span.end - span.start <= (
            SETTINGS.forced_seconds_per_word * len(span.words) + SETTINGS.forced_slack_seconds
        )

    def _force(self, span: Span, matches: list[WordMatch]) -> None:
        key = self.memo.forced_key(span.start, span.end, span.words)
        if key in self.memo.forced:
            forced = self.memo.forced[key]
        else:
            forced = force_align(
                self.model(), self.pcm(), span.start, span.end, span.words, self.language
            )
            self.memo.remember_forced(key, forced)
        for match, word in zip(matches, forced or [], strict=False):
            if word.probability >= SETTINGS.forced_min_probability:
                match.start, match.end, match.matched = word.start, word.end, match.tokens
