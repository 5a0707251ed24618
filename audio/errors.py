class AudioError(ValueError):
    """The file cannot be used as audio; the message is meant for the person who sent it."""
