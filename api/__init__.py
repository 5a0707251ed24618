"""podalign's web side: the app factory, JSON API, job queue and the serve/worker commands."""

from podalign.api.app import create_app

__all__ = ["create_app"]
