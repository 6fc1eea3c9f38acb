"""Writes that need not hold up trading, done behind it: a bounded queue and one writer task.

Fill history, positions, order status updates and equity points are what the exchange (fills,
orders) or the fills (positions) can give again: a crash that loses the last of them is
repaired by recovery, which reconciles the journal with the exchange before a bot trades. They
are queued here as rows (`hot_rows`: a kind and its values) and written in small batches, one
transaction per batch (group commit), by a single task, in the order they were queued. On a
SQLite file the batches are committed by a writer thread of the write-behind's own, on a
synchronous `sqlite3` connection confined to that thread (`direct`, a `SqliteWriteAhead` no
other code uses; at most `THREAD_SLICE` rows a transaction), so the event loop only hands a
batch over and is woken when it is committed: a frame never waits behind a commit (B5). When
that connection finds the database busy, the batch goes through SQLAlchemy on the loop (the
awaited way). On PostgreSQL the batches go through SQLAlchemy on the loop (its asyncpg
connections belong to the loop: not threaded), a slice of at most `SLICE` rows, one
executemany per run of rows of one kind.

Never dropped: the queue is bounded (`MAX_PENDING`); when it is full, whoever queues waits
for room (backpressure, counted in `stalls` and logged the first time). A batch that fails is
retried one statement at a time; a statement that still fails stops the writer, is logged, and
every later call (`put`, `flush`) raises StorageError with the reason: the engine does not go
on as if it were written. `flush` waits until everything queued so far is written: the
journal calls it before every read and every write that is not queued, so what it reads, and
a snapshot it saves, is never behind what it was told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from storage.database import Database
from storage.errors import StorageError
from storage.hot_rows import Values, statement
from storage.write_ahead import SqliteWriteAhead

log = logging.getLogger("traderagent.storage")

MAX_PENDING = 20_000
"""Statements queued at most before whoever queues waits for the writer."""
SLICE = 32
"""Rows written in one transaction at most through SQLAlchemy (on the event loop)."""
THREAD_SLICE = 512
"""Rows written in one transaction at most by the writer thread (SQLite files)."""
CHECKPOINT_EVERY = 2_000
"""Batches between two WAL checkpoints (SQLite, rows written on the direct connection)."""
YIELD_TURNS = 2
"""Turns of the event loop the writer gives way before each batch."""
Row = tuple[str, Values]


class WriteBehind:
    def __init__(
        self,
        database: Database,
        max_pending: int = MAX_PENDING,
        direct: SqliteWriteAhead | None = None,
    ) -> None:
        self.database = database
        self.direct = direct
        """The synchronous SQLite connection the rows go through first (None: SQLAlchemy),
        used only on the writer thread (nobody else may use it: it is closed there)."""
        self.written = 0
        self.batches = 0
        self.stalls = 0
        """Times a statement waited for room in the full queue (backpressure)."""
        self.failure = ""
        """Why the writer stopped ('' while it runs): every later call raises it."""
        self._queue: asyncio.Queue[Row] = asyncio.Queue(max_pending)
        self._task: asyncio.Task[None] | None = None
        self._thread: ThreadPoolExecutor | None = None  # the writer thread (with `direct`)
        self._waiting = 0  # puts waiting for room: their rows are in no batch yet
        self.on_written: Callable[[], None] | None = None
        """Called after a commit that left nothing queued or waiting: every row put so far
        is in the database (the intent log may then start again empty)."""

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def put(self, kind: str, values: Values) -> None:
        """Queue a row (waiting for room when the queue is full)."""
        self._check()
        if self._task is None:
            if self.direct is not None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="journal-writer")
            self._task = asyncio.create_task(self._write(), name="journal-write-behind")
        if not self._queue.full():  # the usual case: no coroutine, no turn of the loop
            self._queue.put_nowait((kind, values))
            return
        self.stalls += 1
        if self.stalls == 1:
            log.warning(
                "journal: %d writes waiting for the database; trading waits for room",
                self._queue.qsize(),
            )
        self._waiting += 1
        try:
            await self._queue.put((kind, values))
        finally:
            self._waiting -= 1
        if self.failure:  # it stopped while this waited for room: nobody will write it
            self._fail_rest()
            self._check()

    async def flush(self) -> None:
        """Return once everything queued so far is written (StorageError if it cannot be)."""
        self._check()
        if self._task is not None:
            await self._queue.join()
        self._check()

    async def close(self) -> None:
        """Write what is queued, then stop the writer (and its thread and connection)."""
        try:
            if not self.failure:
                await self.flush()
        finally:
            task, self._task = self._task, None
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            thread, self._thread = self._thread, None
            if thread is not None and self.direct is not None:
                # after any batch still in the thread (one worker: in order), on its thread
                closed = asyncio.wrap_future(thread.submit(self.direct.close))
                thread.shutdown(wait=False)
                await closed

    def _check(self) -> None:
        if self.failure:
            raise StorageError(f"the journal stopped writing: {self.failure}")

    async def _write(self) -> None:
        queue = self._queue
        while True:
            batch = [await queue.get()]
            # two turns of the loop first: a task made ready meanwhile (the stream's reader
            # with a frame, then the engine's pump it wakes) goes before the batch, so the
            # next order does not wait behind the history of the fill before it (B5)
            for _ in range(YIELD_TURNS):
                await asyncio.sleep(0)
            limit = SLICE if self._thread is None else THREAD_SLICE
            while len(batch) < limit and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._commit(batch)
            except Exception as exc:  # noqa: BLE001 - reported to every later caller
                self.failure = f"{len(batch)} queued write(s) failed: {exc}"
                log.critical("journal: %s", self.failure)
            finally:
                for _ in batch:
                    queue.task_done()
            if self.failure:
                self._fail_rest()
                return
            if self.on_written is not None and queue.empty() and not self._waiting:
                self.on_written()
            await asyncio.sleep(0)  # a frame that came meanwhile goes first

    def _write_direct(self, batch: list[Row]) -> bool:
        """On the writer thread: the batch in one transaction on `direct` (False: busy or
        refused, nothing written), and now and then a WAL checkpoint: `direct` never
        checkpoints itself (see write_ahead), so the WAL does not grow while only it writes."""
        assert self.direct is not None  # noqa: S101 - only submitted with one
        if not self.direct.write_many(batch):
            return False
        if (self.batches + 1) % CHECKPOINT_EVERY == 0:
            self.direct.checkpoint()
        return True

    async def _commit(self, batch: list[Row]) -> None:
        thread = self._thread
        written = False
        if thread is not None:
            loop = asyncio.get_running_loop()
            written = await loop.run_in_executor(thread, self._write_direct, batch)
        if not written:
            try:
                await self._execute(batch)
            except Exception:  # noqa: BLE001 - one at a time: only a bad row fails
                for row in batch:
                    await self._execute([row])
        self.written += len(batch)
        self.batches += 1

    async def _execute(self, batch: list[Row]) -> None:
        """The rows through SQLAlchemy in one transaction: one executemany per run of a kind."""
        dialect = self.database.dialect_name
        async with self.database.session() as session:
            start = 0
            while start < len(batch):
                kind = batch[start][0]
                end = start
                while end < len(batch) and batch[end][0] == kind:
                    end += 1
                await session.execute(statement(kind, dialect), [v for _, v in batch[start:end]])
                start = end

    def _fail_rest(self) -> None:
        """The writer has stopped: release whoever waits on the queue (they see `failure`)."""
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
