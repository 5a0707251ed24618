class AlignmentError(ValueError):
    """The audio and transcript cannot be aligned; the message is meant for people."""
