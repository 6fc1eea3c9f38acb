"""`/api/v1/backtests`: submit a backtest, follow it, read its result, cancel it."""

from __future__ import annotations

from enum import Enum

from fastapi import FastAPI, HTTPException, status

from traderagent.api.backtests import Job
from traderagent.api.context import PREFIX, ApiContext
from traderagent.api.data_access import check_sent_data
from traderagent.api.responses import NOT_FOUND, REFUSED
from traderagent.api.routes_control import config_from_body
from traderagent.api.schemas import BacktestJob, BacktestRequest, BacktestResultView, EquityPoint


def job_view(job: Job) -> BacktestJob:
    return BacktestJob(
        id=job.id,
        status=job.status,
        progress=round(job.progress, 4),
        submitted_ms=job.submitted_ms,
        finished_ms=job.finished_ms,
        error=job.error,
    )


def add_backtest_routes(app: FastAPI, ctx: ApiContext) -> None:
    tag: list[str | Enum] = ["backtests"]
    jobs = ctx.backtests

    def find(job_id: str) -> Job:
        job = jobs.jobs.get(job_id)
        if job is None:
            known = ", ".join(jobs.jobs) or "none"
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no backtest {job_id!r} (kept: {known})"
            )
        return job

    @app.post(
        f"{PREFIX}/backtests",
        tags=tag,
        response_model=BacktestJob,
        status_code=status.HTTP_202_ACCEPTED,
        responses=REFUSED,
    )
    async def submit(body: BacktestRequest | None = None) -> BacktestJob:
        """Start a backtest of a paper config (the daemon's own when none is sent) on its own
        engine and temporary database; one runs at a time. A config sent here reads `bundled`,
        the candle store or a file in the daemon's data directory."""
        body = body or BacktestRequest()
        if body.config is not None:
            config = config_from_body(body.config)
            check_sent_data(config)  # a token is not a licence to read any file on the host
        else:
            config = ctx.daemon_config()
        return job_view(await jobs.submit(config, body.start, body.end))

    @app.get(f"{PREFIX}/backtests", tags=tag, response_model=list[BacktestJob])
    async def list_jobs() -> list[BacktestJob]:
        """The backtests kept (the last 20), oldest first."""
        return [job_view(job) for job in jobs.jobs.values()]

    @app.get(
        f"{PREFIX}/backtests/{{job_id}}", tags=tag, response_model=BacktestJob, responses=NOT_FOUND
    )
    async def job_status(job_id: str) -> BacktestJob:
        return job_view(find(job_id))

    @app.get(
        f"{PREFIX}/backtests/{{job_id}}/result",
        tags=tag,
        response_model=BacktestResultView,
        responses={**NOT_FOUND, **REFUSED},
    )
    async def result(job_id: str) -> BacktestResultView:
        """The finished backtest's summary, equity curve and metrics (409 until it has
        finished)."""
        job = find(job_id)
        if job.outcome is None:
            detail = job.error or f"backtest {job_id} is {job.status}: no result yet"
            raise HTTPException(status.HTTP_409_CONFLICT, detail)
        outcome = job.outcome
        return BacktestResultView(
            id=job.id,
            period=outcome.period,
            summary=outcome.summary,
            equity=tuple(EquityPoint(ts=ts, equity=e) for ts, e in outcome.equity),
            metrics=outcome.metrics,
        )

    @app.delete(
        f"{PREFIX}/backtests/{{job_id}}",
        tags=tag,
        response_model=BacktestJob,
        responses={**NOT_FOUND, **REFUSED},
    )
    async def cancel(job_id: str) -> BacktestJob:
        """Stop a running backtest at its next candle."""
        job = find(job_id)
        if job.status != "running":
            raise HTTPException(status.HTTP_409_CONFLICT, f"backtest {job_id} is {job.status}")
        jobs.cancel(job)
        return job_view(job)
