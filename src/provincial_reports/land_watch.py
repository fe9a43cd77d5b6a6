"""Step 1, land, as it happens: the landing zone watched, so that an upload is answered within a
minute instead of at the next hourly run.

`LandingWatch` is an Airflow event trigger: the triggerer runs it (one asyncio task, no worker
slot), it lists the landing zone every few seconds and fires when a file version appears that the
previous listing did not hold; the DAG's `Asset`'s `AssetWatcher` turns each firing into an asset
event, and the scheduler into a run (events that come while a run is going wait, merged, for the
next one: `max_active_runs=1`). A listing costs one directory walk or one S3 LIST per 1,000
objects, never a read or a hash: what is really new is still decided by `discover`, against the
ledger, so a firing too many is an empty run at worst and a file is never processed twice.

The first listing after the triggerer starts is compared with nothing, so a landing zone that
holds files fires once: whatever came while no triggerer ran is taken at once. A file missed all
the same (a version with the size and time of the one it replaced) is caught by the hourly sweep
of the DAG's schedule. Imported by the DAG file, so this module imports nothing but Airflow's
trigger base at load time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

if TYPE_CHECKING:
    from provincial_reports.stores.objects import Store

log = logging.getLogger(__name__)

# A listing: key → (size, modification time), the upload's identity as far as a listing can tell.
Listing = dict[str, tuple[int, str]]


def open_landing() -> Store:
    from provincial_reports.config import settings
    from provincial_reports.stores.objects import open_store

    return open_store(settings().landing)


def landing_listing(landing: Store) -> Listing:
    """The landing zone's files as listed now, uploads still in progress (dot-files) left out."""
    from provincial_reports.land import is_upload_in_progress

    return {o.key: (o.size, o.modified.isoformat()) for o in landing.entries() if not is_upload_in_progress(o.key)}


def new_versions(before: Listing, now: Listing) -> list[str]:
    """Keys listed now that were not listed before, or were, with another size or time."""
    return sorted(key for key, version in now.items() if before.get(key) != version)


class LandingWatch(BaseEventTrigger):
    """Fires once per listing that holds new file versions, with how many (never their names)."""

    def __init__(self, poll_seconds: float = 2.0) -> None:
        super().__init__()
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{__name__}.LandingWatch", {"poll_seconds": self.poll_seconds}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        seen: Listing = {}
        landing = await asyncio.to_thread(open_landing)  # one client for the trigger's life (S3: one TLS session)
        while True:
            try:
                listing = await asyncio.to_thread(landing_listing, landing)
            except Exception:  # an outage of the store: keep watching; the runs report what is wrong
                log.warning("Listing the landing zone failed; trying again in %ss", self.poll_seconds, exc_info=True)
            else:
                new = new_versions(seen, listing)
                if new:
                    yield TriggerEvent({"new_versions": len(new)})
                seen = listing
            await asyncio.sleep(self.poll_seconds)
