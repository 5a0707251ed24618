"""Configuration from PODALIGN_* variables and the serve/worker command lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from podalign.api import create_app
from podalign.api.app import ENV_VARS

from podalign.cli import build_parser


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PODALIGN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PODALIGN_API_TOKEN", "12345")
    monkeypatch.setenv("PODALIGN_MAX_UPLOAD_MB", "2.5")
    monkeypatch.setenv("PODALIGN_MODEL", "base.en")

    app = create_app()

    assert app.config["DATA_DIR"] == str(tmp_path / "data")
    assert app.config["API_TOKEN"] == "12345"
    assert app.config["MAX_CONTENT_LENGTH"] == int(2.5 * 1024 * 1024)
    assert app.config["MODEL"] == "base.en"
    assert app.config["CACHE_DIR"] == str(tmp_path / "data" / "cache")
    assert (tmp_path / "data" / "podalign.db").exists()


def test_the_mapping_given_to_the_factory_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("PODALIGN_DATA_DIR", str(tmp_path / "from-env"))

    app = create_app({"DATA_DIR": tmp_path / "given"})

    assert app.config["DATA_DIR"] == str(tmp_path / "given")


def test_a_bad_number_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PODALIGN_MAX_UPLOAD_MB", "lots")

    with pytest.raises(ValueError, match="PODALIGN_MAX_UPLOAD_MB"):
        create_app({"DATA_DIR": tmp_path})


def test_the_data_dir_defaults_to_podalign_data_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    app = create_app()

    assert Path(app.config["DATA_DIR"]) == tmp_path / "podalign-data"


def test_serve_and_worker_commands(tmp_path):
    parser = build_parser()

    serve = parser.parse_args(["serve", "--port", "0", "--data-dir", str(tmp_path)])
    worker = parser.parse_args(["worker", "--workers", "2"])

    assert (serve.host, serve.port, serve.workers, serve.data_dir) == (
        "127.0.0.1",
        0,
        1,
        str(tmp_path),
    )
    assert parser.parse_args(["serve"]).port == 8000
    assert worker.workers == 2 and worker.data_dir is None
    assert callable(serve.run) and callable(worker.run)
