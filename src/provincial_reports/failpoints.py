"""Named places where a test may stop the pipeline dead, to prove that a crash there loses and doubles nothing.

`REPORTS_FAILPOINT=<name>` makes the process kill itself with SIGKILL when it reaches that place: no
`finally`, no rollback, no flush, exactly as when a worker is OOM-killed. `<name>:stop` sends SIGSTOP
instead, so a test can look at the warehouse from another process while this one is frozen there.
`<name>:pause` holds only the thread that got there, until the test sets `resume`: for readers that
must share the writer's process (DuckDB). Unset, as always in production, a failpoint does nothing.
"""

from __future__ import annotations

import os
import signal
import threading

NAMES = ("after_parquet_write", "mid_load", "before_commit", "after_commit")
SIGNALS = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP}
paused = threading.Event()
resume = threading.Event()


def hit(name: str) -> None:
    """Call at the named place; acts only when REPORTS_FAILPOINT names it."""
    if name not in NAMES:
        raise ValueError(f"unknown failpoint {name!r}; known: {', '.join(NAMES)}")
    armed, _, action = os.environ.get("REPORTS_FAILPOINT", "").partition(":")
    if armed != name:
        return
    if action == "pause":
        paused.set()
        resume.wait()
    else:
        os.kill(os.getpid(), SIGNALS[action or "kill"])
