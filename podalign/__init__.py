"""podalign: align a podcast's AI-generated transcript to the episode's audio.

The four packages live at the top of the source tree and install under this
name: ``podalign.transcripts`` (the model, parsers and writers),
``podalign.audio`` (decoding and loudness), ``podalign.aligner`` (the Whisper
pass and timing) and ``podalign.api`` (the web service). ``podalign.cli`` is
the ``podalign`` command.
"""

__version__ = "0.1.0"
