"""Timing refinement: turn edges moved onto the audio's own onsets and offsets."""

from __future__ import annotations

from audio import Envelope
from transcripts.model import Transcript


def refine_turn_edges(transcript: Transcript, envelope: Envelope) -> None:
    """Placeholder pass until measured: keeps word times as aligned."""
