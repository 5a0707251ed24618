"""`podalign serve` (web app, API and job workers in one process) and `podalign worker`."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

import waitress
from flask import Flask

from api import files, jobs
from api.app import create_app

log = logging.getLogger("podalign")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``serve`` and ``worker`` commands."""
    serve = commands.add_parser(
        "serve",
        help="run the web app and JSON API, with job workers inside",
        description="Serve the player pages and JSON API with waitress. Jobs run on worker"
        " threads in this process (see --workers); with PODALIGN_REDIS_URL set, `podalign"
        " worker` can run more of them on other machines sharing the data dir.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument(
        "--port", type=int, default=8000, help="port to listen on; 0 picks a free one (%(default)s)"
    )
    serve.add_argument(
        "--threads", type=int, default=8, help="threads answering HTTP requests (%(default)s)"
    )
    _add_common(serve)
    serve.set_defaults(run=run_serve)

    worker = commands.add_parser(
        "worker",
        help="run alignment jobs only (no web server)",
        description="Run job workers against the queue of a data dir shared with `podalign"
        " serve`: Redis when PODALIGN_REDIS_URL is set, else the data dir's SQLite queue"
        " (same machine only).",
    )
    _add_common(worker)
    worker.set_defaults(run=run_worker)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="where episodes, the database and the queue live"
        " (default: $PODALIGN_DATA_DIR or ./podalign-data)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="alignment jobs run at once; each keeps about two cores busy (%(default)s)",
    )


def run_serve(args: argparse.Namespace) -> int:
    app = _make_app(args)
    if app is None:
        return 2
    server = waitress.create_server(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        # Let bodies just over the limit through to Flask, which answers 413 in
        # JSON; waitress turns away (in plain text) anything far beyond it.
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024,
    )
    log.info(
        "podalign serving on http://%s:%s (data in %s, %s job worker(s))",
        args.host,
        server.effective_port,
        app.config["DATA_DIR"],
        args.workers,
    )
    files.remove_stale_uploads(app.config["DATA_DIR"])
    jobs.recover_orphans(app)
    if args.workers < 1:
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        return 0
    threading.Thread(target=server.run, name="http", daemon=True).start()
    # The consumer owns the main thread for its signal handling: Ctrl-C lets
    # the running job finish (a second Ctrl-C stops at once); SIGTERM stops at
    # once and hands the job back to the queue.
    jobs.make_consumer(app, args.workers).run()
    server.close()
    return 0


def run_worker(args: argparse.Namespace) -> int:
    app = _make_app(args)
    if app is None:
        return 2
    log.info("podalign worker on %s (%s job worker(s))", app.config["DATA_DIR"], args.workers)
    jobs.recover_orphans(app)
    jobs.make_consumer(app, max(1, args.workers)).run()
    return 0


def _make_app(args: argparse.Namespace) -> Flask | None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return create_app({"DATA_DIR": args.data_dir} if args.data_dir else None)
    except (ValueError, RuntimeError) as error:
        print(f"podalign: error: {error}", file=sys.stderr)
        return None
