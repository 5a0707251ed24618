"""The OpenAPI document is served, valid, and describes exactly the real endpoints."""

from __future__ import annotations

import re

import pytest
from podalign.api.storage import EpisodeStatus

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_openapi_is_served_as_json(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")


def test_openapi_is_a_valid_document(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get("/api/openapi.json").json)


def test_openapi_paths_and_methods_match_the_routes(app, client):
    documented = {
        (path, method.upper())
        for path, operations in client.get("/api/openapi.json").json["paths"].items()
        for method in operations
    }
    routed = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - IGNORED_METHODS
    }

    assert documented == routed


def test_every_documented_path_parameter_is_declared(client):
    for path, operations in client.get("/api/openapi.json").json["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for operation in operations.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


@pytest.mark.parametrize("schema", ["Accepted", "EpisodeSummary"])
def test_documented_statuses_are_the_episode_statuses(client, schema: str):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]

    documented = schemas[schema]["properties"]["status"]["enum"]

    assert documented == [status.value for status in EpisodeStatus]
