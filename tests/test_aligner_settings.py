"""aligner.settings: one frozen place for the aligner's values, each documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from podalign.aligner.settings import SETTINGS, AlignerSettings

ALIGNER = Path(__file__).parent.parent / "aligner"


def test_the_settings_cannot_be_changed_under_a_running_alignment() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SETTINGS.window_seconds = 10.0  # type: ignore[misc]


def test_every_setting_says_why_it_has_its_value() -> None:
    documented = set(re.findall(r"^      (\w+)(?:, (\w+))?:", AlignerSettings.__doc__, re.M))
    names = {name for pair in documented for name in pair if name}
    assert names == {field.name for field in dataclasses.fields(AlignerSettings)}


def test_every_setting_is_used() -> None:
    code = "\n".join(p.read_text() for p in ALIGNER.glob("*.py") if p.name != "settings.py")
    for field in dataclasses.fields(AlignerSettings):
        assert f"SETTINGS.{field.name}" in code, f"{field.name} is not used"
