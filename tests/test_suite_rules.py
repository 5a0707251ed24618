"""The rules tests/conftest.py sets: no skipping under CI, Whisper only where marked."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()
SKIPPING = """
import pytest

def test_needs_something_missing():
    pytest.skip("frobnicator is not installed")

@pytest.mark.skipif(True, reason="no benchmark here")
def test_needs_the_benchmark():
    pass

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_known_bug():
    assert False
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nmarkers =\n    whisper: loads a Whisper model\n")
    return pytester


def test_skips_are_skips_outside_ci(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    suite.makepyfile(SKIPPING)

    suite.runpytest().assert_outcomes(skipped=2, xfailed=1)


def test_skips_fail_the_run_under_ci(suite, monkeypatch):
    monkeypatch.setenv("CI", "true")
    suite.makepyfile(SKIPPING)

    result = suite.runpytest()

    result.assert_outcomes(failed=1, errors=1, xfailed=1)
    result.stdout.fnmatch_lines(["*Skipped under CI=true*frobnicator is not installed*"])


def test_loading_a_model_without_the_marker_fails(suite):
    suite.makepyfile(
        """
        from podalign.aligner import pipeline

        def test_unmarked():
            pipeline.load_model("tiny.en")
        """
    )

    result = suite.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*loads a Whisper model: mark it whisper*"])


def test_tests_using_the_aligning_fixtures_are_marked(suite):
    suite.makepyfile(
        """
        def test_uses_jobs(run_jobs):
            pass

        def test_uses_nothing():
            pass
        """
    )

    result = suite.runpytest("-m", "not whisper", "--collect-only", "-q")

    result.stdout.fnmatch_lines(["*test_uses_nothing*", "*1/2 tests collected (1 deselected)*"])
