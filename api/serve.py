"""`podalign serve` (web app, API and job workers in one process) and `podalign worker`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path
from typing import NoReturn

import waitress
from flask import Flask
from podalign.aligner.acoustic import kill_workers
from podalign.api import files, jobs, storage
from podalign.api.app import DEFAULTS, create_app, env_config
from podalign.api.early import gated_channel
from podalign.api.gate import allowed_hosts
from podalign.audio import ffmpeg

log = logging.getLogger("podalign")


def run_serve(args: argparse.Namespace) -> int:
    app = _make_app(args, {"ALLOWED_HOSTS": allowed_hosts(args.host, args.allowed_host)})
    if app is None:
        return 2
    server = waitress.create_server(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"],
    )
    # Requests are refused from their headers, before waitress reads a body, and in JSON.
    server.channel_class = gated_channel(app.config)
    log.info(
        "podalign serving on http://%s:%s (data in %s, %s job worker(s))",
        args.host,
        server.effective_port,
        app.config["DATA_DIR"],
        args.workers,
    )
    _remove_leftovers(app)
    jobs.recover_orphans(app)
    jobs.start_recovery(app)
    if args.workers < 1:
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        return 0
    threading.Thread(target=server.run, name="http", daemon=True).start()
    _consume(app, args.workers)
    server.close()
    _leave(0)


def _remove_leftovers(app: Flask) -> None:
    """What a crash (even SIGKILL) mid-upload can leave: staging dirs, and episode folders
    whose row was never written."""
    data_dir = app.config["DATA_DIR"]
    files.remove_stale_uploads(data_dir)
    with app.app_context():
        known = storage.episode_ids(storage.get_db())
    for episode_id in files.remove_orphan_episode_dirs(data_dir, known):
        log.warning(
            "Removed the folder of episode %s: an interrupted upload, with no row", episode_id
        )


def run_worker(args: argparse.Namespace) -> int:
    if args.server:
        return _run_remote_worker(args)
    app = _make_app(args)
    if app is None:
        return 2
    log.info("podalign worker on %s (%s job worker(s))", app.config["DATA_DIR"], args.workers)
    jobs.recover_orphans(app)
    jobs.start_recovery(app)
    _consume(app, max(1, args.workers))
    _leave(0)


def _run_remote_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = {**DEFAULTS, **env_config()}
    except ValueError as error:
        print(f"podalign: error: {error}", file=sys.stderr)
        return 2
    token = args.token or config["WORKER_TOKEN"]
    if not config["REDIS_URL"] or not token:
        print(
            "podalign: error: a remote worker needs PODALIGN_REDIS_URL and the server's"
            " worker token (--token or PODALIGN_WORKER_TOKEN)",
            file=sys.stderr,
        )
        return 2
    from podalign.api.remote import run_remote_worker

    status = run_remote_worker(
        args.server,
        token,
        config["REDIS_URL"],
        max(1, args.workers),
        Path(args.data_dir or config["DATA_DIR"]),
        config["MODEL"],
        float(config["JOB_STALL_SECONDS"]),
    )
    _leave(status)


def _consume(app: Flask, workers: int) -> None:
    """Run jobs until a signal: Ctrl-C lets the running job finish (a second Ctrl-C stops
    at once); SIGTERM stops at once and hands the job back to the queue. The consumer
    owns the main thread for its signal handling. No ffmpeg outlives the process."""
    try:
        jobs.make_consumer(app, workers).run()
    finally:
        ffmpeg.stop()
        kill_workers()


def _leave(status: int) -> NoReturn:
    """End the process once its jobs are stopped and handed back.

    A job thread can still be inside Whisper (a CTranslate2 call cannot be
    interrupted): a normal interpreter exit would run C++ destructors under it
    and abort the process. Everything a job must keep is written already.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _make_app(args: argparse.Namespace, config: dict | None = None) -> Flask | None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = dict(config or {})
    if args.data_dir:
        config["DATA_DIR"] = args.data_dir
    try:
        return create_app(config)
    except (ValueError, RuntimeError) as error:
        print(f"podalign: error: {error}", file=sys.stderr)
        return None
