"""The one error the transcripts package raises for bad uploads."""


class TranscriptError(ValueError):
    """An uploaded transcript cannot be read; the message is meant for the user."""
