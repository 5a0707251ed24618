"""Timing refinement: Whisper's word times corrected where they are known to stray.

Cross-attention alignment lets a word swallow the pause next to it, so a
word after a sentence end starts too early and one before it ends too late.
Turn edges then move onto the audio's own onsets and offsets: a turn starts
where its first word's burst of sound begins, and ends where its last word's
burst ends. A turn whose first words Whisper missed claims the speech just
before it, and a first word left alone on music moves next to the second.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from statistics import median

import numpy as np
from podalign.aligner import trace
from podalign.aligner.normalise import FILLERS, LEAD_INS, normalise_word
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.settings import SETTINGS
from podalign.audio import Envelope
from podalign.transcripts.model import Transcript, Turn, TurnStatus

SENTENCE_END = (".", "?", "!", "…")


def clamp_long_words(words: Sequence[RecognisedWord]) -> list[RecognisedWord]:
    """Shorten words that swallowed the pause at a sentence edge (after faster-whisper)."""
    durations = [w.end - w.start for w in words if w.text not in SENTENCE_END]
    if not durations:
        return list(words)
    longest = 2 * min(
        SETTINGS.longest_typical_word_seconds,
        median(durations) or SETTINGS.longest_typical_word_seconds,
    )
    clamped = list(words)
    for i, word in enumerate(clamped):
        if word.end - word.start <= longest or word.text in SENTENCE_END:
            continue
        after_stop = i == 0 or clamped[i - 1].text.endswith(SENTENCE_END)
        before_stop = i + 1 < len(clamped) and clamped[i + 1].text.endswith(SENTENCE_END)
        if after_stop:
            clamped[i] = replace(word, start=round(word.end - longest, 3))
        elif before_stop:
            clamped[i] = replace(word, end=round(word.start + longest, 3))
    return clamped


def refine_turn_edges(
    transcript: Transcript,
    envelope: Envelope,
    heard: Sequence[RecognisedWord],
    is_speech: Callable[[float, float], bool],
) -> None:
    """Move each timed turn's start to its onset and its end to its offset, in place."""
    if len(envelope.db) == 0:
        return
    for turn in transcript.turns:
        timed = [
            (w, w_start, w_end)
            for w in turn.words
            if w.spoken and (w_start := w.start) is not None and (w_end := w.end) is not None
        ]
        if not timed or turn.start is None or turn.end is None:
            continue
        (first, first_start, first_end), (last, last_start, last_end) = timed[0], timed[-1]
        if (
            len(timed) > 1
            and timed[1][1] - first_end > SETTINGS.detached_word_gap_seconds
            and not is_speech(first_start, first_end)
        ):
            # Placed on music or silence before the pause it belongs after.
            trace.note(
                turn.index,
                "edges",
                "first word moved next to the second",
                was=first_start,
                why="it sat alone over sound that is not speech,"
                f" {SETTINGS.detached_word_gap_seconds:g} s or more before the rest of the turn",
            )
            length = min(first_end - first_start, SETTINGS.longest_edge_word_seconds)
            first.end = first_end = timed[1][1]
            first.start = first_start = first_end - length
        # A turn's edge word can swallow the music or pause next to it.
        edge_start = max(first_start, first_end - SETTINGS.longest_edge_word_seconds)
        edge_end = min(last_end, last_start + SETTINGS.longest_edge_word_seconds)
        start = _onset(envelope, edge_start, limit=first_end)
        end = _offset(envelope, edge_end, limit=last_start)
        if start < end:
            if (round(start, 3), round(end, 3)) != (turn.start, turn.end):
                trace.note(
                    turn.index,
                    "edges",
                    "edges moved onto the sound",
                    start=start,
                    end=end,
                    why="a turn starts where its first word's burst of sound begins and ends"
                    " where its last word's ends",
                )
            first.start = turn.start = round(start, 3)
            last.end = turn.end = round(end, 3)
    spoken = [w for w in heard if not _is_punctuation(w.text)]
    _claim_speech_before_turns(transcript, envelope, spoken, is_speech)
    _place_short_turns_in_lone_bursts(transcript, envelope, is_speech)
    _mark_speech_left_before_turns(transcript, envelope, is_speech)
    _end_before_next_turn(transcript)


def _place_short_turns_in_lone_bursts(
    transcript: Transcript, envelope: Envelope, is_speech: Callable[[float, float], bool]
) -> None:
    """Give a short unfound turn ("Right.", a name) the one burst of speech between its
    found neighbours that no turn holds.

    Whisper often drops a one-word reply between two turns. Where the gap
    between the neighbours holds exactly one burst of speech of a length the
    words fit, that is the reply; a turn cut from the audio leaves no such
    burst, and two or more bursts leave the choice open, so nothing is placed.
    """
    turns = transcript.turns
    for before, turn, after in zip(turns, turns[1:], turns[2:], strict=False):
        if turn.status != TurnStatus.NOT_FOUND or before.end is None or after.start is None:
            continue
        spoken = [w for w in turn.words if w.spoken]
        tokens = sum(len(normalise_word(w.text)) for w in spoken)
        if not 0 < tokens <= SETTINGS.short_turn_tokens:
            continue
        bursts = [
            (start, end)
            for start, end in _bursts(envelope, before.end, after.start)
            if is_speech(start, end)
        ]
        longest = tokens * SETTINGS.longest_edge_word_seconds
        if (
            len(bursts) != 1
            or not SETTINGS.claim_pause_seconds <= bursts[0][1] - bursts[0][0] <= longest
        ):
            continue
        start, end = bursts[0]
        step = (end - start) / len(spoken)
        for at, word in enumerate(spoken):
            word.start, word.end = round(start + at * step, 3), round(start + (at + 1) * step, 3)
        turn.start, turn.end = round(start, 3), round(end, 3)
        turn.status, turn.confidence = TurnStatus.ESTIMATED, SETTINGS.doubtful_confidence
        trace.note(
            turn.index,
            "edges",
            "placed in the one burst of speech between its neighbours",
            why="Whisper did not hear it, but the gap between the turns around it holds"
            " exactly one burst of speech its words fit",
        )


def _mark_speech_left_before_turns(
    transcript: Transcript, envelope: Envelope, is_speech: Callable[[float, float], bool]
) -> None:
    """Ask for a check of a turn that follows an unfound or doubtful one with speech right
    before it.

    After such a turn no speech is claimed (it may be that turn), so a
    lead-in the transcript left out stays outside the turn: its start is in
    doubt by as much as that speech.
    """
    doubtful = []
    for turn, previous_end, speech_is_its_own in _after_previous(transcript):
        assert turn.start is not None
        lo = max(previous_end, turn.start - SETTINGS.claim_back_seconds)
        hi = turn.start - SETTINGS.claim_pause_seconds
        if not speech_is_its_own and any(is_speech(a, b) for a, b in _bursts(envelope, lo, hi)):
            doubtful.append(turn)
    # Lowered only now: a turn this doubts must not in turn cast doubt on the next.
    for turn in doubtful:
        turn.confidence = min(turn.confidence or 0.0, SETTINGS.doubtful_confidence)
        trace.note(
            turn.index,
            "edges",
            "confidence lowered: check this turn",
            why="speech no turn holds comes right before it, after a turn that was not"
            " found or is in doubt: that speech may be that turn or a lead-in of this one",
        )


def _after_previous(transcript: Transcript) -> Iterator[tuple[Turn, float, bool]]:
    """Each timed turn, with where the timed turn before it ends and whether the speech
    between them can only be its own (read after the caller is done with the turn).

    It can when no turn between them went unfound, or when none of the unfound ones
    could fit in the gap at any pace: they were cut from the audio, and speech right
    before the turn is a lead-in of its own. One short unfound turn that fits is
    enough to doubt it, even beside a long one that was cut ("Ari, you want to
    start?" after a cut turn is not a lead-in of the reply). It cannot after a turn
    with estimated times, where that turn ends is a guess, nor after one already in
    doubt: that turn may belong where this speech is ("Came apart how?", placed 3.6 s
    early, left its own words for the reply to claim, 1.8 s before its true start).
    """
    previous_end = 0.0
    previous_in_doubt = False
    unfound: list[int] = []
    for turn in transcript.turns:
        if turn.start is None or turn.end is None:
            if words := sum(w.spoken for w in turn.words):
                unfound.append(words)
            continue
        room = turn.start - previous_end
        one_fits = bool(unfound) and room >= min(unfound) * SETTINGS.min_seconds_per_word
        yield turn, previous_end, not previous_in_doubt and not one_fits
        assert turn.end is not None
        previous_end, unfound = turn.end, []
        previous_in_doubt = turn.status == TurnStatus.ESTIMATED or (
            turn.confidence is not None and turn.confidence < SETTINGS.check_confidence
        )


def _bursts(envelope: Envelope, lo: float, hi: float) -> list[tuple[float, float]]:
    """Stretches of sustained sound between ``lo`` and ``hi``, split at pauses."""
    loud = envelope.db > _threshold(envelope, (lo + hi) / 2)
    pause = max(1, int(SETTINGS.claim_pause_seconds / envelope.frame_seconds))
    first, last = envelope.frame_at(lo) + 1, envelope.frame_at(hi)
    found: list[tuple[float, float]] = []
    frame = first
    while frame < last:
        if not _sustained(loud, frame):
            frame += 1
            continue
        begin = frame
        while frame < last and loud[frame : frame + pause].any():
            frame += 1
        found.append((envelope.seconds_of(begin), envelope.seconds_of(frame)))
    return found


def _end_before_next_turn(transcript: Transcript) -> None:
    """Back-to-back turns: an end moved forward through continuous sound stops at the next start."""
    timed = [
        (t, t_start, t_end)
        for t in transcript.turns
        if (t_start := t.start) is not None and (t_end := t.end) is not None
    ]
    for (turn, _, end), (_, next_start, _) in zip(timed, timed[1:], strict=False):
        if end > next_start:
            trace.note(
                turn.index,
                "edges",
                "end cut at the next turn's start",
                was=end,
                why="back-to-back turns: its end had moved into the next turn's speech",
            )
            last = [w for w in turn.words if w.spoken and w.end is not None][-1]
            turn.end = last.end = max(next_start, last.start or next_start)


def _claim_speech_before_turns(
    transcript: Transcript,
    envelope: Envelope,
    heard: Sequence[RecognisedWord],
    is_speech: Callable[[float, float], bool],
) -> None:
    """Start a turn earlier when speech that no turn holds comes right before it.

    When Whisper missed a turn's first words, the turn starts late; the speech
    between the previous turn's end and that start is this turn's, unless
    Whisper heard words there that no turn holds (an ad read, a cold open),
    the sound is not speech at all (a jingle), or a turn before it that was
    not found would fit in the gap (that speech may be that turn). Fillers,
    lead-ins ("you know") and a stuttered first word heard there are the
    turn's own: cleaned-up transcripts leave them out. Each onset after a pause
    is tried, earliest first, until one passes.
    """
    starts = [w.start for w in heard]
    for turn, previous_end, speech_is_its_own in _after_previous(transcript):
        assert turn.start is not None and turn.end is not None
        if not speech_is_its_own:
            continue
        claim = _claimed_speech(envelope, heard, starts, turn, previous_end, is_speech)
        if claim is None:
            continue
        start, burst = claim
        # A burst of its own before a pause is a lead-in the transcript left out: the
        # turn starts there, its first written word stays where it was heard.
        lead_in = burst < turn.start - SETTINGS.claim_pause_seconds
        trace.note(
            turn.index,
            "edges",
            "start moved back to claim speech before it",
            was=turn.start,
            why="speech that no turn holds came right before it: "
            + ("a lead-in the transcript left out" if lead_in else "its first words"),
        )
        if not lead_in:
            first = next(w for w in turn.words if w.spoken and w.start is not None)
            first.start = start
        turn.start = round(start, 3)


def _burst_end(envelope: Envelope, start: float, limit: float) -> float:
    """Where the sound starting at ``start`` first pauses (or ``limit``)."""
    loud = envelope.db > _threshold(envelope, start)
    pause = max(1, int(SETTINGS.claim_pause_seconds / envelope.frame_seconds))
    last = envelope.frame_at(limit)
    for frame in range(envelope.frame_at(start), last):
        if not loud[frame : frame + pause].any():
            return envelope.seconds_of(frame)
    return limit


def _foreign_words(heard: Sequence[RecognisedWord], turn: Turn) -> int:
    """Words heard before a turn that are neither a filler, a lead-in nor its first word.

    Counted by heard word, not by token: a misheard "um" is "I'm", one word of two tokens.
    """
    tokens = [
        (t, at) for at, w in enumerate(heard) for t in normalise_word(w.text) if t not in FILLERS
    ]
    first = next((normalise_word(w.text) for w in turn.words if w.spoken), ())
    foreign: set[int] = set()
    at = 0
    while at < len(tokens):
        phrase = next(
            (p for p in LEAD_INS if tuple(t for t, _ in tokens[at : at + len(p)]) == p), None
        )
        if phrase is not None:
            at += len(phrase)
            continue
        token, word = tokens[at]
        if token not in first:
            foreign.add(word)
        at += 1
    return len(foreign)


def _claimed_speech(
    envelope: Envelope,
    heard: Sequence[RecognisedWord],
    starts: Sequence[float],
    turn: Turn,
    previous_end: float,
    is_speech: Callable[[float, float], bool],
) -> tuple[float, float] | None:
    """The earliest onset ``turn`` may claim, and where the first burst from it ends."""
    assert turn.start is not None
    for onset in _claimable_onsets(envelope, previous_end, turn.start):
        lo, hi = bisect.bisect_left(starts, onset), bisect.bisect_left(starts, turn.start - 0.05)
        if _foreign_words(heard[lo:hi], turn) > SETTINGS.claim_max_foreign_words:
            continue
        # Whether the first burst of the claimed sound is speech: a filler ("um") and the
        # pause after it are mostly silence, a jingle is sound throughout.
        burst = _burst_end(envelope, onset, turn.start)
        if is_speech(onset, max(burst, onset + envelope.frame_seconds)):
            return onset, burst
    return None


def _claimable_onsets(envelope: Envelope, previous_end: float, start: float) -> Iterator[float]:
    """Onsets of sound after a pause, the previous turn's end included, from which the
    sound up to ``start`` is loud enough to be speech, earliest first."""
    pause_seconds = SETTINGS.claim_pause_seconds
    earliest = max(previous_end + pause_seconds, start - SETTINGS.claim_back_seconds)
    lo, hi = envelope.frame_at(earliest), envelope.frame_at(start)
    loud = envelope.db > _threshold(envelope, start)
    pause = int(pause_seconds / envelope.frame_seconds)
    for frame in range(max(lo, pause), hi):
        # A flicker (a click, a breath) in the pause does not end it.
        opens = _sustained(loud, frame) and not any(
            _sustained(loud, before) for before in range(frame - pause, frame)
        )
        if opens and loud[frame:hi].mean() >= SETTINGS.claim_loud_share:
            yield envelope.seconds_of(frame)


def _threshold(envelope: Envelope, at: float, share: float = SETTINGS.quiet_margin_share) -> float:
    a = envelope.frame_at(at - SETTINGS.level_context_seconds)
    b = envelope.frame_at(at + SETTINGS.level_context_seconds) + 1
    floor, loud = np.percentile(envelope.db[a:b], [10, 90])
    return float(floor + share * (loud - floor))


def _onset(envelope: Envelope, start: float, limit: float) -> float:
    """The start of the burst of sound the word begins in, or the next one after a pause."""
    loud = envelope.db > _threshold(envelope, start)
    frame = envelope.frame_at(start)
    if _sustained(loud, frame):
        back = envelope.frame_at(start - SETTINGS.onset_search_back_seconds)
        while frame > back and loud[frame - 1]:
            frame -= 1
        return envelope.seconds_of(frame)
    ahead = envelope.frame_at(min(start + SETTINGS.onset_search_ahead_seconds, limit))
    while frame < ahead and not _sustained(loud, frame):
        frame += 1
    return envelope.seconds_of(frame) if frame < ahead else start


def _offset(envelope: Envelope, end: float, limit: float) -> float:
    """The end of the burst of sound the word ends in, or of the last one within the word."""
    loud = envelope.db > _threshold(envelope, end, SETTINGS.offset_margin_share)
    frame = envelope.frame_at(end)
    last = len(loud) - 1
    if loud[frame]:
        forward = envelope.frame_at(end + SETTINGS.onset_search_back_seconds)
        while frame < min(forward, last) and loud[frame + 1]:
            frame += 1
        return envelope.seconds_of(frame + 1)
    back = envelope.frame_at(limit)
    while frame > back and not loud[frame - 1]:
        frame -= 1
    return envelope.seconds_of(frame) if frame > back else end


def _is_punctuation(text: str) -> bool:
    return not any(c.isalnum() for c in text)


def _sustained(loud: np.ndarray, frame: int) -> bool:
    return bool(loud[frame : frame + SETTINGS.sustain_frames].all())
