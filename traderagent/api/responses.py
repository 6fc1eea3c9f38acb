"""Responses and error handlers shared by the routes: refusals are 4xx with a sentence."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from traderagent.api.schemas import Problem
from traderagent.config import ConfigError
from traderagent.facade import CommandError


def json_bytes(content: bytes, status_code: int = 200) -> Response:
    """Already-encoded JSON (pydantic's Rust encoder): no second validation on the hot paths."""
    return Response(content, status_code=status_code, media_type="application/json")


def problem(status_code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code)


async def _refused(request: Request, err: Exception) -> Response:
    return problem(status.HTTP_409_CONFLICT, str(err))


async def _bad_config(request: Request, err: Exception) -> Response:
    # the shape of FastAPI's own 422, so one schema documents both
    error = {"loc": ["body", "config"], "msg": str(err), "type": "value_error"}
    return JSONResponse({"detail": [error]}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _invalid_request(request: Request, err: Exception) -> Response:
    # FastAPI's own 422 without the `input` of each error: a body is never echoed back
    assert isinstance(err, RequestValidationError)  # noqa: S101 - registered for it alone
    errors = [{k: v for k, v in e.items() if k not in ("input", "url")} for e in err.errors()]
    content = {"detail": jsonable_encoder(errors)}
    return JSONResponse(content, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def install_handlers(app: FastAPI) -> None:
    """CommandError (an illegal state change, a busy job) -> 409; ConfigError and a request
    that does not validate -> 422 (without the request's values)."""
    app.add_exception_handler(CommandError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ConfigError, _bad_config)


NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "No such bot or job"}
}
REFUSED: dict[int | str, dict[str, object]] = {
    409: {"model": Problem, "description": "Refused: an illegal state change, or busy"}
}
