"""Text-to-audio alignment of podcast transcripts with a Whisper pass."""

from podalign.aligner.errors import AlignmentError
from podalign.aligner.models import DEFAULT_MODEL
from podalign.aligner.pipeline import align_transcript

__all__ = ["DEFAULT_MODEL", "AlignmentError", "align_transcript"]
