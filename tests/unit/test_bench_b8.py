"""B8's own load generator checks every answer it counts (benchmarks/api.py)."""

from __future__ import annotations

import pytest

from benchmarks.api import take_answers

OK = (
    b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\ncontent-type: application/json\r\n\r\n"
    b'{"status":"ok"}'
)


def test_counts_complete_answers_and_keeps_the_partial_one() -> None:
    buffer = bytearray(OK + OK + OK[:30])
    assert take_answers(buffer, b'"ok"', "/health") == 2
    assert bytes(buffer) == OK[:30]
    buffer += OK[30:]
    assert take_answers(buffer, b'"ok"', "/health") == 1
    assert buffer == bytearray()


def test_reads_the_length_in_any_spelling() -> None:
    answer = OK.replace(b"content-length: 15", b"Content-Length:15")
    assert take_answers(bytearray(answer), b'"ok"', "/health") == 1


@pytest.mark.parametrize(
    "answer",
    [
        OK.replace(b"200 OK", b"401 Unauthorized"),
        OK.replace(b'"ok"', b'"no"'),
    ],
)
def test_a_wrong_answer_fails_the_run(answer: bytes) -> None:
    with pytest.raises(AssertionError, match="unexpected answer"):
        take_answers(bytearray(answer), b'"ok"', "/health")
