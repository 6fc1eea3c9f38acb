"""The bearer token: a constant-time check (never logged), for HTTP (`FrontDoor`) and the
WebSocket, and its place in the OpenAPI document."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, WebSocket
from fastapi.openapi.utils import get_openapi

SCHEME = "bearerToken"
OPEN_PATHS = frozenset({"/health", "/api/v1/health"})


class TokenGuard:
    """Whether a presented token is the daemon's."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the API needs a non-empty token")
        self._token = token.encode()

    def matches(self, presented: str | None) -> bool:
        return presented is not None and secrets.compare_digest(presented.encode(), self._token)

    def websocket_allowed(self, websocket: WebSocket) -> bool:
        """The token as `?token=` or an `Authorization: Bearer` header."""
        presented = websocket.query_params.get("token")
        if presented is None:
            scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
            presented = value.strip() if scheme.lower() == "bearer" else None
        return self.matches(presented)


def document_bearer(app: FastAPI) -> None:
    """Declare the bearer scheme in /openapi.json on every operation but the health check
    (the check itself happens in `FrontDoor`, before routing)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes[SCHEME] = {"type": "http", "scheme": "bearer"}
            for path, operations in schema["paths"].items():
                if path not in OPEN_PATHS:
                    for operation in operations.values():
                        operation["security"] = [{SCHEME: []}]
                        operation.setdefault("responses", {})["401"] = {
                            "description": "Missing or wrong API token"
                        }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
