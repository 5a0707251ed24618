"""Text-to-audio alignment of podcast transcripts with a Whisper pass."""

from aligner.errors import AlignmentError
from aligner.models import DEFAULT_MODEL
from aligner.pipeline import align_transcript

__all__ = ["DEFAULT_MODEL", "AlignmentError", "align_transcript"]
