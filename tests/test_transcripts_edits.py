"""Edits to a transcript: what each one changes, what it keeps, and that it can be undone."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from podalign.transcripts.edits import (
    Change,
    EditError,
    apply_change,
    delete_turn,
    edit_turn,
    insert_turn,
    merge_turns,
    rename_speaker,
    replace_text,
    split_turn,
)
from podalign.transcripts.model import Transcript, Turn, TurnStatus, Word


def timed(index: int, speaker: str | None, text: str, start: float) -> Turn:
    words = [
        Word(t, round(start + i * 0.5, 3), round(start + i * 0.5 + 0.4, 3))
        for i, t in enumerate(text.split())
    ]
    return Turn(index, speaker, text, words[0].start, words[-1].end, 0.9, TurnStatus.ALIGNED, words)


def sample() -> Transcript:
    return Transcript(
        [
            timed(0, "Alice", "Welcome to the show about Cooper Netties.", 1.0),
            timed(1, "Bob", "Thanks Alice, glad to be here.", 5.0),
            timed(2, "Alice", "So tell me about Cooper Netties.", 9.0),
            timed(3, "Bob", "Sure. Alice: it all started in 2014.", 13.0),
        ]
    )


def applied(transcript: Transcript, change: Change) -> Transcript:
    result = copy.deepcopy(transcript)
    apply_change(result, change)
    return result


def test_editing_text_keeps_the_times_of_unchanged_words():
    before = sample()
    change = edit_turn(before, 0, "Welcome to the show about Kubernetes.", "Alice")
    after = applied(before, change)

    turn = after.turns[0]
    assert [w.text for w in turn.words][-1] == "Kubernetes."
    assert [w.start for w in turn.words[:5]] == [w.start for w in before.turns[0].words[:5]]
    assert turn.words[5].start is None
    assert change.retime == [0]
    assert (turn.start, turn.end, turn.status) == (1.0, before.turns[0].end, TurnStatus.ALIGNED)
    assert [t.to_dict() for t in after.turns[1:]] == [t.to_dict() for t in before.turns[1:]]


def test_editing_a_hand_timed_turn_keeps_its_hand_set_times():
    before = sample()
    before.turns[1].status = TurnStatus.MANUAL
    turn = applied(before, edit_turn(before, 1, "Thanks Alice, happy to be here.", "Bob")).turns[1]
    assert turn.status == TurnStatus.MANUAL
    assert (turn.start, turn.end) == (before.turns[1].start, before.turns[1].end)


def test_changing_only_the_speaker_needs_no_new_times():
    before = sample()
    change = edit_turn(before, 1, before.turns[1].text, "  Carol   Smith ")
    after = applied(before, change)
    assert after.turns[1].speaker == "Carol Smith" and change.retime == []
    assert after.turns[1].words == before.turns[1].words


def test_an_edit_that_changes_nothing_is_no_change():
    before = sample()
    assert edit_turn(before, 2, " So tell me about\nCooper Netties. ", "Alice").splices == []


def test_empty_text_is_refused():
    with pytest.raises(EditError, match="empty"):
        edit_turn(sample(), 0, "   ", "Alice")


def test_renaming_a_speaker_changes_all_their_turns_and_only_theirs():
    after = applied(sample(), rename_speaker(sample(), "Alice", "Alice Cooper"))
    assert [t.speaker for t in after.turns] == ["Alice Cooper", "Bob", "Alice Cooper", "Bob"]
    assert after.turns[3].text == "Sure. Alice: it all started in 2014."
    with pytest.raises(EditError, match="Nobody"):
        rename_speaker(sample(), "Nobody", "X")


def test_replace_counts_occurrences_and_changes_only_matching_turns():
    before = sample()
    replacement = replace_text(before, "Cooper Netties", "Kubernetes")
    assert replacement.occurrences == 2
    assert [s.at for s in replacement.change.splices] == [0, 2]
    assert replacement.change.retime == [0, 2]
    after = applied(before, replacement.change)
    assert after.turns[2].text == "So tell me about Kubernetes."
    assert after.turns[1] == before.turns[1]
    assert replace_text(before, "cooper netties", "x").occurrences == 0


def test_split_gives_each_part_its_words_and_times():
    before = sample()
    after = applied(before, split_turn(before, 3, 1, "Alice"))
    first, second = after.turns[3], after.turns[4]
    assert (first.speaker, first.text) == ("Bob", "Sure.")
    assert (second.speaker, second.text) == ("Alice", "Alice: it all started in 2014.")
    assert first.start == before.turns[3].start and first.end == before.turns[3].words[0].end
    assert second.start == before.turns[3].words[1].start and second.end == before.turns[3].end
    assert [t.index for t in after.turns] == [0, 1, 2, 3, 4]
    for at_word in (0, 7):
        with pytest.raises(EditError, match="split before words 1 to 6"):
            split_turn(before, 3, at_word, "Bob")


def test_merge_joins_words_and_spans():
    before = sample()
    change = merge_turns(before, 1)
    after = applied(before, change)
    merged = after.turns[1]
    assert merged.text == "Thanks Alice, glad to be here. So tell me about Cooper Netties."
    assert (merged.start, merged.end, merged.speaker) == (5.0, before.turns[2].end, "Bob")
    assert len(after.turns) == 3 and change.retime == []
    with pytest.raises(EditError, match="last line"):
        merge_turns(before, 3)


def test_merging_with_a_turn_not_found_times_its_words():
    before = sample()
    missing = before.turns[2]
    missing.status, missing.start, missing.end = TurnStatus.NOT_FOUND, None, None
    for word in missing.words:
        word.start = word.end = None
    change = merge_turns(before, 1)
    assert change.retime == [1]
    assert applied(before, change).turns[1].status == TurnStatus.ESTIMATED


def test_insert_and_delete():
    before = sample()
    change = insert_turn(before, -1, "Host", "Cold open.")
    after = applied(before, change)
    assert after.turns[0].text == "Cold open." and after.turns[0].start is None
    assert change.retime == [0] and len(after.turns) == 5
    assert applied(before, insert_turn(before, 3, None, "Bye.")).turns[4].speaker is None
    with pytest.raises(EditError):
        insert_turn(before, 4, "Host", "x")
    after = applied(before, delete_turn(before, 1))
    assert [t.text for t in after.turns][1] == "So tell me about Cooper Netties."
    with pytest.raises(EditError, match="only line"):
        delete_turn(Transcript([timed(0, "A", "Hi.", 0.0)]), 0)


def test_touched_lists_the_turns_a_change_put_in():
    before = sample()
    assert split_turn(before, 1, 2, "Bob").touched() == [1, 2]
    assert rename_speaker(before, "Bob", "Rob").touched() == [1, 3]
    assert delete_turn(before, 1).touched() == []


OPERATIONS = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 9), st.sampled_from(["Hi there.", "New words"])),
    st.tuples(st.just("split"), st.integers(0, 9), st.integers(1, 3)),
    st.tuples(st.just("merge"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("insert"), st.integers(-1, 9), st.just("Inserted turn.")),
    st.tuples(st.just("delete"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("rename"), st.sampled_from(["Alice", "Bob"]), st.just("Zed")),
    st.tuples(st.just("replace"), st.sampled_from(["Alice", "Cooper"]), st.just("X")),
)


def make_change(transcript: Transcript, operation: tuple) -> Change | None:
    kind, target, argument = operation
    count = len(transcript.turns)
    try:
        if kind == "rename":
            return rename_speaker(transcript, target, argument)
        if kind == "replace":
            return replace_text(transcript, target, argument).change
        if kind == "insert":
            return insert_turn(transcript, min(target, count - 1), "Carol", argument)
        index = target % count
        if kind == "edit":
            return edit_turn(transcript, index, argument, transcript.turns[index].speaker)
        if kind == "split":
            return split_turn(transcript, index, argument, "Carol")
        if kind == "merge":
            return merge_turns(transcript, index)
        return delete_turn(transcript, index)
    except EditError:
        return None


@settings(max_examples=60, deadline=None)
@given(st.lists(OPERATIONS, min_size=1, max_size=8))
def test_undoing_changes_in_reverse_restores_the_transcript(operations):
    transcript = sample()
    history = []
    states = [transcript.to_dict()]
    for operation in operations:
        change = make_change(transcript, operation)
        if change is None:
            continue
        stored = Change.from_dict(change.to_dict())  # through storage and back
        apply_change(transcript, change)
        history.append(stored)
        states.append(transcript.to_dict())
    for change in reversed(history):
        states.pop()
        apply_change(transcript, change.inverse())
        assert transcript.to_dict() == states[-1]
