"""The landing zone's watch (land_watch.py): it fires when a new file version lands, and only then.

The trigger is run as the triggerer runs it, an async generator on an event loop of its own, over a
real folder (S3: test_s3.py). Its run under the real triggerer and scheduler, upload to answer,
is test_celery.py's."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from airflow.sdk.module_loading import import_string

from provincial_reports.land_watch import LandingWatch
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows

POLL = 0.05


@contextmanager
def watching(watch: LandingWatch) -> Iterator[list[dict]]:
    """The payloads the watch fires, as they come, while the block runs."""
    fired: list[dict] = []
    loop = asyncio.new_event_loop()

    async def consume() -> None:
        async for event in watch.run():
            fired.append(event.payload)

    task = loop.create_task(consume())
    thread = threading.Thread(target=lambda: loop.run_until_complete(asyncio.gather(task, return_exceptions=True)))
    thread.start()
    try:
        yield fired
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=10)
        loop.close()
        assert task.cancelled(), f"the watch stopped by itself: {task}"


def settled(fired: list[dict], expected: int) -> list[dict]:
    """The payloads once `expected` have come and a few more polls have passed."""
    deadline = time.monotonic() + 10
    while len(fired) < expected and time.monotonic() < deadline:
        time.sleep(POLL)
    time.sleep(POLL * 8)
    return list(fired)


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    monkeypatch.setenv("REPORTS_LANDING", str(folder))
    return folder


def summary(code: str) -> bytes:
    return csv_bytes(WINTER_WARMTH, valid_rows(code))


def test_the_watch_fires_once_per_new_version_and_not_for_partial_uploads_or_deletions(landing: Path):
    def put(source: str, extra: bytes = b"") -> None:
        upload(landing, source, summary(source[:6]) + extra, minute=len(extra))

    steps: list[tuple[str, Callable[[], object], list[dict]]] = [
        ("nothing landed", lambda: None, []),
        ("a file", lambda: put("110000/2025-01/a.csv"), [{"new_versions": 1}]),
        ("an upload in progress", lambda: put("120000/2025-01/.b.csv.part"), []),
        ("two at once", lambda: [put("130000/2025-01/c.csv"), put("140000/2025-01/d.csv")], [{"new_versions": 2}]),
        ("new bytes under an old name", lambda: put("110000/2025-01/a.csv", b"\n"), [{"new_versions": 1}]),
        ("a deletion", lambda: (landing / "130000/2025-01/c.csv").unlink(), []),
    ]
    with watching(LandingWatch(poll_seconds=POLL)) as fired:
        before = 0
        for what, step, expected in steps:
            step()
            now = settled(fired, before + len(expected))
            assert now[before:] == expected, what
            before = len(now)


def test_a_watch_starting_over_files_fires_once_to_take_what_came_while_none_ran(landing: Path):
    upload(landing, "110000/2025-01/a.csv", summary("110000"))
    with watching(LandingWatch(poll_seconds=POLL)) as fired:
        assert settled(fired, 1) == [{"new_versions": 1}]


def test_an_unreachable_landing_zone_is_watched_until_it_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    landing = tmp_path / "not-yet"
    monkeypatch.setenv("REPORTS_LANDING", str(landing))
    with watching(LandingWatch(poll_seconds=POLL)) as fired:
        assert settled(fired, 0) == []
        upload(landing, "110000/2025-01/a.csv", summary("110000"))
        assert settled(fired, 1) == [{"new_versions": 1}]


def test_the_triggerer_rebuilds_the_watch_from_what_it_serialises():
    classpath, kwargs = LandingWatch(poll_seconds=2.5).serialize()
    rebuilt = import_string(classpath)(**kwargs)
    assert isinstance(rebuilt, LandingWatch) and rebuilt.serialize() == (classpath, kwargs)
