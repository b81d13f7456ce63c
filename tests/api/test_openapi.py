"""The OpenAPI document at /api/v1/openapi.json: valid OpenAPI 3, complete, with its security."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

PUBLIC_OPERATIONS = {("/api/v1/health", "get")}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture()
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    payload: dict[str, Any] = response.get_json()
    return payload


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_document_is_valid_openapi_3(document: dict[str, Any]) -> None:
    try:
        from openapi_spec_validator import validate
    except ImportError:
        pytest.skip("openapi-spec-validator is not installed (see requirements-dev.txt)")
    assert document["openapi"].startswith("3.")
    validate(document)


def test_bearer_security_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"


def test_every_operation_but_health_requires_the_token(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if (path, method) in PUBLIC_OPERATIONS:
            assert "security" not in operation
            continue
        assert operation["security"] == [{"bearerAuth": []}], (path, method)
        assert "401" in operation["responses"], (path, method)
        if method != "get":
            assert "403" in operation["responses"], (path, method)


def test_every_api_route_is_documented(app: Flask, document: dict[str, Any]) -> None:
    documented = {(path, method) for path, method, _ in operations(document)}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (rule.rule, method)


def test_endpoints_are_listed(document: dict[str, Any]) -> None:
    paths = set(document["paths"])
    for path in (
        "/api/v1/health",
        "/api/v1/communes",
        "/api/v1/communes/{insee_code}",
        "/api/v1/intercommunalities",
        "/api/v1/cantons",
        "/api/v1/sectors",
        "/api/v1/syndicates",
        "/api/v1/syndicates/{syndicate_id}",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
    ):
        assert path in paths
