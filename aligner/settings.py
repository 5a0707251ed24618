"""The aligner's settings: every value it was tuned with, its unit, and why it is what it is.

In the way faster-whisper documents ``VadOptions``: one frozen dataclass, so
the values are found, compared and changed in one place. They were tuned on
all benchmark cases together (the shared ones and the made-up shows of
``benchmarks/cases``), never on one show; ``benchmarks/run.sh`` measures a
change. Facts fixed by a model (Whisper's 448-token decoder, pocketsphinx's
100 frames a second, Silero's 512-sample chunks) stay beside the code that
depends on them: they are not choices.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlignerSettings:
    """Attributes, by stage (units in the names: _seconds, _db, _share, ...):

    Planning the Whisper pass (windows.py, pipeline.py)
      window_seconds: the longest window, and the longest second listen: Whisper hears
        30 s at once.
      cut_search_seconds: a window ends at the quietest moment of the last this-many
        seconds before its limit, so no word is cut in two.
      pad_seconds: windows overlap by this much around a cut, so a word at the cut is
        whole in one of them.
      skip_silence_seconds: a stretch this long with no sound above the noise floor is
        not recognised at all.
      silent_db: audio never louder than this holds nothing to align: the run stops
        with an error instead of inventing times.

    Recognition (recognise.py)
      batch_size: windows per decoder batch; each is encoded alone. Greedy decoding is
        mostly reading the decoder's weights, once a step for the whole batch: on seed-full
        (AMD Zen 5, oneDNN) 3 saved 15% of the run's CPU against 1, with the same words;
        4 saved no more and raised the peak resident size by about 50 MiB. Encoded
        together, windows cost more each (benchmarks/PERF.md).
      short_window_seconds, short_window_padding_seconds: a window shorter than this (a
        second listen to an unheard tail) is heard alone with this much silence after
        it, not padded to 30 s: the encoder's cost grows faster than its input (0.42 s
        of CPU for 30 s, 0.17 s for 16 s). Less padding, or every window fitted, changed
        what Whisper heard enough to cost turns (benchmarks/PERF.md).
      short_window_step_seconds: such a context is a whole number of these: CTranslate2
        keeps about 1.4 MB for every input length it has seen, and one per second
        listen raised the 3-hour case's peak from 583 to 705 MiB.
      max_first_word_seconds: cross-attention lets a window's first word swallow the
        lead-in before it; its start is kept within this of its end.
      follow_up_rounds: Whisper often stops before a window's end; the unheard tail is
        listened to again, at most this many times.
      follow_up_seconds: a shorter unheard tail is not worth a window.
      follow_up_speech_share: a tail whose share of speech (Silero) is below this is
        music or silence, not missed words...
      stacked_words, stacked_seconds: ...unless this many words before it start within
        this many seconds of each other: Whisper lost its place and stacked words
        there that are said later, in that tail or jump...
      lost_place_speech_seconds: ...and it holds this much speech.
      copy_min_words, copy_similarity: a second listen that opens with at least this
        many words matching, at this word-level similarity (0..1), the words the first
        listen put just before it heard them where they are said: the first listen's
        copies are dropped.
      window_lead_seconds: a second listen starts this long before the stretch it is
        for, so the first word's onset is inside the window.
      language_windows: a multilingual model detects the language from this many
        windows at the start (about 1.5 minutes).

    Matching transcript words with heard ones (sequence.py, timing.py)
      fuzzy_match_percent: two words that differ pair when rapidfuzz's ratio reaches
        this: "Shwartz" and "Schwartz" do, "four" and "fourteen" do not.
      fuzzy_min_length: shorter words must match exactly: "you" is not "your".
      extra_tokens_max_run: where Whisper heard up to this many words more than the
        transcript holds between two words it matched, those are words the transcript
        left out ("Thank [you], Nell"), and the acoustic aligner is given them too;
        longer runs are speech the transcript lacks, not a word or two dropped.
      stray_gap_seconds: matched words this far from the rest of their turn form a
        cluster of their own ("hello" heard in the intro music); a lone match this far
        from its neighbouring match on one side, with no room for the unmatched words
        on the other, was paired with the same word said elsewhere.
      stray_cluster_words, stray_cluster_share: such a cluster is dropped when it has
        at most this many words, or this share of the turn's main cluster.
      stray_cluster_max_words: but never when it has more words than this: a run that
        long heard in order is the turn itself, not a common phrase paired by chance
        (18 words of a turn's opening, heard 4 s before the rest where Whisper skipped
        a stretch, were dropped and the turn started 10 s late).
      found_ratio: a turn with at least this share of its tokens matched is aligned.
      estimated_ratio: from this share (or one matched token of a turn of at most
        four) a turn is estimated, with its other words placed between neighbours;
        below it the turn is not found and gets no times.
      missing_min_tokens: a turn this long with almost nothing matched is left out of
        the second pairing, so it cannot take its neighbours' heard words; shorter
        turns are judged only after the second listen.
      min_found_share: fewer found turns than this share means the transcript is of
        other audio: an error, not times made of noise.
      seconds_per_token: an unmatched run is given room for this much per token when
        placed between its timed neighbours (a typical spoken token).

    Second listens at turn edges (timing.py, rescue.py, forced.py)
      rescue_edge_gap_seconds: an unmatched run at a turn edge spanning at least this
        is listened to again.
      rescue_long_gap_seconds: inside a turn only runs this long are: shorter ones are
        left to interpolation, since a window costs about a second of CPU.
      min_seconds_per_word: a gap shorter than this per word cannot hold its run (nor
        an unfound turn: the speech before the next turn is then that turn's own).
      rescue_seconds_per_word, rescue_slack_seconds: a run at a turn edge is looked for
        within this per word plus this of its heard neighbour.
      forced_min_probability: a word Whisper's forced alignment gives a lower
        probability is not taken as found.
      forced_seconds_per_word, forced_slack_seconds: the stretch a forced alignment
        may use: this per word plus this.
      max_edge_word_seconds: a forced first or last word is kept to this length: it
        would otherwise swallow the pause next to it.
      speech_share: a stretch is speech when Silero finds at least this share of it
        spoken (rescued words on music are refused; turn edges claim only speech).
      speech_probability: Silero's per-chunk probability from which a chunk is speech.
      speech_context_seconds: Silero is given this much audio before a stretch, so its
        state has settled when the stretch begins.

    Acoustic precision (precise.py)
      acoustic_margin_seconds: a piece is aligned in a window this much wider than
        Whisper's times on each side.
      split_min_words: a piece that cannot be aligned is halved and tried again while
        each half keeps at least this many words: fewer give the aligner too little
        to tell a right place from a wrong one.
      piece_seconds: turns are aligned in pieces of whole sentences about this long: the
        aligner's work grows faster than the length of what it aligns. A longer sentence
        is cut at its widest pauses into parts no longer than this: one word missing from
        the audio fails the whole piece it is in, and a long piece costs the most to fail.
      agree_seconds: a word the acoustic aligner places further than this from
        Whisper's time is another pairing, not a finer time: it keeps Whisper's. A word
        Whisper did not hear has no such time: inside its turn it takes the aligner's.
      close_seconds: closer than this, both heard the word in the same place.
      close_weight: how much the share of close words weighs in a turn's agreement,
        which scales its confidence.
      reach_back_seconds: a turn's first stretch begins up to this much before Whisper's
        first word (never before the previous turn's last word), and the first word may
        move this far when the second stays put: Whisper puts a first word followed by
        a pause up to 0.7 s late, into the pause, and a narrow stretch begins inside it.
      disagreement_min_words, min_close_share: a turn with at least this many words
        placed, fewer than this share of them close to Whisper's times, was paired with
        the wrong stretch and asks for a check. On the benchmark and its long cases the
        lowest share of a correctly placed turn of 10 words or more is 0.40; the two
        turns paired 20 and 22 s off had 0.10 and 0.29.

    Boundaries (boundaries.py)
      boundary_min_words, boundary_max_words: a boundary is re-examined over the last
        sentence of the turn before and the first of the turn after, each of at least
        and at most this many words: enough to anchor the stretch, few enough that a
        wrong old time inside them does not carry the stretch far off.
      boundary_max_gap_seconds: turns further apart than this (music, a cut) are not
        examined together: they need not meet.
      overlap_tolerance_seconds: a word starting more than this before the previous
        word ends starts inside it.
      fastest_seconds_per_letter: per run of 1, 2 and 3 words, the least time per
        letter any speaker in the benchmark took (0.008, 0.021 and 0.026 s at the
        fastest; 0.025 keeps 4-word runs above all but 0.05% of true ones): a run said
        faster than this was squeezed in by a wrong pairing.
      reexamined_turn_confidence: a short turn Whisper never heard, placed by the
        acoustic aligner between its neighbours, gets this confidence.
      longest_pause_seconds, longest_seconds_per_letter: mid-sentence, the next word
        starts at most this pause after a word's own length (this much per letter, or
        seconds_per_token per spoken token for numbers): the benchmark's longest pause
        beyond 0.1 s a letter is 1.35 s. A later next word means the word was stretched
        over a pause or another speaker.
      longest_sentence_pause_seconds: between two sentences of one turn, the next
        starts at most this long after the one before started: the benchmark's longest
        is 1.6 s, and a speaker stopping to think takes a few seconds. A turn's opening
        sentence further before the rest was paired with a stray word.
      usual_word_seconds, usual_seconds_per_letter: a turn's opening words moved next to
        the word after them each take this plus this much a letter, start to next start:
        the least-squares fit over the benchmark's words mid-sentence.
      boundary_rounds: boundaries that share a turn with one moved in the same round
        are looked at again, with its new times, for at most this many rounds.
      boundary_checked_move_seconds: a turn start moved further than this (more than
        a word or two) is where Whisper's pairing and the acoustic aligner disagree;
        one of them is wrong, so the move is kept and the turn asks for a check.

    Plausibility (plausibility.py)
      slowest_speech_ratio: a found turn whose words last more than this many times
        seconds_per_token per token is not speech at any real pace: it was paired with
        the wrong stretch. Over the benchmark cases the slowest correct turn is at 2.5.
      stretched_word_ratio: a turn whose first or second word (with more after it) lasts
        more than this many times seconds_per_token per token has a wrongly paired
        start; over the benchmark cases no correctly started turn exceeds 3.3.
      doubtful_confidence: such a turn's confidence is at most this, below the
        check_confidence under which the page asks for a check.
      check_confidence: a turn below this is in doubt, to the page (api/static/player.js)
        and to the edge stage, which claims no speech for the turn after it.

    Turn edges (refine.py)
      longest_typical_word_seconds: twice this (at most twice the median word) is the
        longest a word may last at a sentence edge before it is clamped.
      longest_edge_word_seconds: a turn's first or last word is looked at over at most
        this, since it may have swallowed the pause next to it.
      detached_word_gap_seconds: a first word this far before the second, on sound
        that is not speech, was placed on music: it moves next to the second.
      quiet_margin_share: loud means above the 10th percentile of the loudness around
        the edge plus this share of the range up to its 90th percentile.
      offset_margin_share: the same for where a turn's sound ends: a word's sound
        fades out below the level at which it rose, and at 0.35 turn ends came out
        early on all nine benchmark cases (median 0.02-0.08 s early).
      onset_search_ahead_seconds: an edge on quiet audio looks this far ahead for the
        sound it belongs to.
      onset_search_back_seconds: an edge inside sound goes back at most this far to
        where that sound begins.
      sustain_frames: sound must last this many 10 ms frames to count as an onset, so
        a click is not one.
      level_context_seconds: the loudness percentiles are taken over this much audio on
        each side of an edge, so a loud or quiet stretch elsewhere does not matter.
      claim_back_seconds: a turn whose first words Whisper missed may claim the speech
        up to this far before its start.
      claim_pause_seconds: the claimed speech must follow a pause at least this long.
      claim_loud_share: and be loud for at least this share of the claimed stretch.
      claim_max_foreign_words: one misheard word may sit in the claimed stretch
        ("Okay" for "Say"); more means it is other speech.
      claim_speech_contexts_seconds: the claimed sound is speech if Silero calls it so
        with any of these amounts of audio before it. Its verdict on a short filler
        swings with that context: the same "um" was 17% speech with 1 s before it
        and 54-67% with 0.5, 2 or 3 s, in two cases that differ only by what was
        joined around them.
      short_turn_tokens: an unfound turn this short ("Right.", "Of course.") takes the
        one burst of speech between its found neighbours, if there is exactly one.

    Editing (retime.py)
      edit_search_seconds: an edited turn's new words are looked for this far past its
        old edges.
      heard_start_lag_seconds: Whisper's word starts run 0.04-0.09 s late on real
        speech (PEERS.md); new words it heard are moved back by the low end of that.
    """

    window_seconds: float = 30.0
    cut_search_seconds: float = 5.0
    pad_seconds: float = 0.2
    skip_silence_seconds: float = 2.0
    silent_db: float = -55.0

    batch_size: int = 3
    short_window_seconds: float = 10.0
    short_window_padding_seconds: float = 12.0
    short_window_step_seconds: float = 5.0
    max_first_word_seconds: float = 0.6
    follow_up_rounds: int = 2
    follow_up_seconds: float = 3.0
    follow_up_speech_share: float = 0.3
    stacked_words: int = 3
    stacked_seconds: float = 0.05
    lost_place_speech_seconds: float = 1.0
    copy_min_words: int = 3
    copy_similarity: float = 0.8
    window_lead_seconds: float = 0.1
    language_windows: int = 3

    fuzzy_match_percent: float = 75.0
    fuzzy_min_length: int = 4
    stray_gap_seconds: float = 4.0
    stray_cluster_words: int = 2
    stray_cluster_share: float = 0.1
    stray_cluster_max_words: int = 6
    found_ratio: float = 0.5
    estimated_ratio: float = 0.2
    missing_min_tokens: int = 6
    min_found_share: float = 0.1
    seconds_per_token: float = 0.26

    rescue_edge_gap_seconds: float = 1.0
    rescue_long_gap_seconds: float = 5.0
    min_seconds_per_word: float = 0.12
    rescue_seconds_per_word: float = 0.45
    rescue_slack_seconds: float = 1.5
    forced_min_probability: float = 0.35
    forced_seconds_per_word: float = 0.6
    forced_slack_seconds: float = 1.5
    max_edge_word_seconds: float = 0.8
    speech_share: float = 0.5
    speech_probability: float = 0.5
    speech_context_seconds: float = 1.0

    acoustic_margin_seconds: float = 0.3
    piece_seconds: float = 20.0
    split_min_words: int = 4
    agree_seconds: float = 0.5
    close_seconds: float = 0.2
    close_weight: float = 0.5
    reach_back_seconds: float = 1.0
    disagreement_min_words: int = 10
    min_close_share: float = 1 / 3

    boundary_min_words: int = 3
    boundary_max_words: int = 12
    boundary_max_gap_seconds: float = 5.0
    overlap_tolerance_seconds: float = 0.05
    fastest_seconds_per_letter: tuple[float, ...] = (0.01, 0.02, 0.025)
    reexamined_turn_confidence: float = 0.5
    longest_pause_seconds: float = 1.4
    longest_seconds_per_letter: float = 0.1
    boundary_rounds: int = 3
    longest_sentence_pause_seconds: float = 5.0
    boundary_checked_move_seconds: float = 1.0
    usual_word_seconds: float = 0.04
    usual_seconds_per_letter: float = 0.052

    slowest_speech_ratio: float = 3.0
    stretched_word_ratio: float = 4.0
    doubtful_confidence: float = 0.4
    check_confidence: float = 0.5

    longest_typical_word_seconds: float = 0.7
    longest_edge_word_seconds: float = 0.9
    detached_word_gap_seconds: float = 1.0
    quiet_margin_share: float = 0.35
    offset_margin_share: float = 0.2
    onset_search_ahead_seconds: float = 1.2
    onset_search_back_seconds: float = 0.3
    sustain_frames: int = 3
    level_context_seconds: float = 4.0
    claim_back_seconds: float = 2.5
    claim_pause_seconds: float = 0.1
    claim_loud_share: float = 0.3
    claim_max_foreign_words: int = 1
    claim_speech_contexts_seconds: tuple[float, ...] = (1.0, 3.0)
    extra_tokens_max_run: int = 3
    short_turn_tokens: int = 3

    edit_search_seconds: float = 3.0
    heard_start_lag_seconds: float = 0.04


SETTINGS = AlignerSettings()
