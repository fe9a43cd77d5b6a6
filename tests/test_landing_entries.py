"""Landing entries that are not plain files (issue 18, item 2): symbolic links (inside the
province, into another province, out of the landing zone, dangling, in a loop, to a folder),
folders named like files, FIFOs, sockets, devices, files and folders the pipeline may not open, a
file deleted between listing and reading. Each has one treatment, the same when listed and when
read (stores/objects.py): a folder is walked, whatever its name; anything else that is not a
readable regular file is answered, rejected with its problem, never opened, and recorded under a
stand-in identity so that no later run tries it again; a file gone before it is read is not
recorded. None of them lets a province read outside its own prefix."""

from __future__ import annotations

import multiprocessing
import os
import socket
import stat
import tempfile
from pathlib import Path

import pytest
from test_isolation import CODES, assert_the_31_good_files_are_loaded, statuses, upload_31_good_files
from warehouse_state import fingerprint

from airflow_harness import run_dag_quickly
from provincial_reports import isolation, pipeline
from provincial_reports.land import find_new_arrivals
from provincial_reports.stores.entries import SYMLINK, UNLISTABLE, UNREADABLE, LandingEntry
from provincial_reports.stores.local import LocalStore
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows

NOBODY = 65534


def plant_every_odd_entry(landing: Path, outside: Path) -> dict[str, str]:
    """Every kind of entry of item 2, in the folders of several provinces; what each one's answer
    must say (None: not a submission, nothing recorded)."""
    (outside / "secret.csv").write_bytes(csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    expected: dict[str, str | None] = {}

    def link(source: str, target: str | Path) -> None:
        path = landing / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
        expected[source] = "symbolic link"

    link("360000/2025-01/copy.csv", "360000.csv")  # inside the province, to its own file
    link("360000/2025-01/beijing.csv", "../../110000/2025-01/110000.csv")  # into another province
    link("120000/2025-01/outside.csv", outside / "secret.csv")  # out of the landing zone
    link("130000/2025-01/dangling.csv", "nowhere.csv")
    link("140000/2025-01/loop.csv", "loop.csv")
    link("140000/2025-01/ping.csv", "pong.csv")
    link("140000/2025-01/pong.csv", "ping.csv")
    link("150000/2025-02", landing / "110000/2025-01")  # a period folder that is a link into Beijing

    (landing / "210000/2025-01/report.csv").mkdir(parents=True)  # a folder named like a file: a folder
    upload(landing, "220000/2025-01/nested.csv/inner.csv", csv_bytes(WINTER_WARMTH, valid_rows("220000")))
    expected["220000/2025-01/nested.csv/inner.csv"] = "not in a <province code>/<YYYY-MM>/ folder"

    os.mkfifo(landing / "230000/2025-01/pipe.csv")
    expected["230000/2025-01/pipe.csv"] = "FIFO"
    here = os.getcwd()
    os.chdir(landing / "310000/2025-01")  # a socket's path is limited to 107 bytes: bound relative
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind("socket.csv")
        server.close()
    finally:
        os.chdir(here)
    expected["310000/2025-01/socket.csv"] = "a socket"
    try:
        os.mknod(landing / "340000/2025-01/device.csv", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        expected["340000/2025-01/device.csv"] = "a character device"
    except PermissionError:  # no CAP_MKNOD where the tests run
        pass

    locked = upload(landing, "320000/2025-01/locked.csv", b"not a report")
    locked.chmod(0)
    # root reads any file: the refusal is then the content's (tests as another user: see below)
    expected["320000/2025-01/locked.csv"] = "permission denied" if os.geteuid() else "no header row"
    folder = landing / "330000/2025-01/locked-folder"
    upload(landing, "330000/2025-01/locked-folder/x.csv", b"x")
    folder.chmod(0)
    if os.geteuid():
        expected["330000/2025-01/locked-folder"] = "folder that cannot be opened"
    else:
        expected["330000/2025-01/locked-folder/x.csv"] = "not in a <province code>/<YYYY-MM>/ folder"
    return expected


# Under Airflow on DuckDB: what Airflow adds (mapped tasks, their results as XCom, every task
# succeeding) is the same on both engines; the test after this one runs each stage on PostgreSQL.
@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_every_odd_entry_beside_31_good_files_is_answered_in_one_run_and_the_next_changes_nothing(
    airflow_home, workspace, tmp_path
):
    upload_31_good_files(workspace.landing)
    expected = plant_every_odd_entry(workspace.landing, outside_folder(tmp_path))

    run, log = run_dag_quickly(airflow_home, workspace)
    assert run["state"] == "success", log[-5000:]
    assert {state for state, _ in run["tasks"].values()} == {"success"}, run
    assert_every_odd_entry_is_answered_beside_the_31_good_files(workspace.warehouse_url, expected)

    before = fingerprint(workspace.warehouse_url)
    run, log = run_dag_quickly(airflow_home, workspace)
    assert run["state"] == "success" and "No new files in the landing zone." in log
    assert fingerprint(workspace.warehouse_url) == before


@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)
def test_every_stage_of_a_run_answers_every_odd_entry_on_postgresql_and_the_next_changes_nothing(workspace, tmp_path):
    """The DAG's tasks in their order, in this process: each stage meets every odd entry on PostgreSQL,
    as the test above has them met on DuckDB under Airflow."""
    upload_31_good_files(workspace.landing)
    expected = plant_every_odd_entry(workspace.landing, outside_folder(tmp_path))

    run_every_stage()
    assert_every_odd_entry_is_answered_beside_the_31_good_files(workspace.warehouse_url, expected)

    before = fingerprint(workspace.warehouse_url)
    assert "No new files in the landing zone." in run_every_stage()
    assert fingerprint(workspace.warehouse_url) == before


def outside_folder(tmp_path: Path) -> Path:
    """A folder out of the landing zone that a link may point into."""
    outside = tmp_path / "outside"
    outside.mkdir()
    return outside


def run_every_stage() -> str:
    """discover, process, load, reply, summarize and report, as the DAG's tasks call them; the summary."""
    arrivals = pipeline.discover()
    answers = [pipeline.process(a) for a in arrivals]
    pipeline.load(answers)
    pipeline.reply()
    summary = pipeline.summarize(answers, arrivals)
    pipeline.report()
    return summary


def assert_every_odd_entry_is_answered_beside_the_31_good_files(url: str, expected: dict[str, str]) -> None:
    assert_the_31_good_files_are_loaded(url)
    found = statuses(url)
    odd = {s: v for s, v in found.items() if s not in {f"{c}/2025-01/{c}.csv" for c in CODES}}
    assert odd.keys() == expected.keys()
    for source, (status, reason) in odd.items():
        assert status == "rejected" and expected[source] in reason, (source, reason)
    beijing = found["360000/2025-01/beijing.csv"][1]  # the first defect: it stopped every province
    assert "符号链接" in beijing and "110000" not in beijing  # in Chinese too; nothing of the other province


# --- listing and reading agree ----------------------------------------------------------------------


def test_listing_and_reading_classify_every_entry_alike(tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    upload_31_good_files(landing)
    outside.mkdir()
    plant_every_odd_entry(landing, outside)
    store = LocalStore(landing)
    listed = [e for e in store.entries() if isinstance(e, LandingEntry)]
    assert listed
    for entry in listed:
        assert store.entry_problem(entry.key) == entry, entry.key
    links = {e.key for e in listed if e.problem == SYMLINK}
    assert links == {s for s in _symlinks(landing)}


def _symlinks(landing: Path) -> set[str]:
    return {p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_symlink()}


def test_a_link_on_the_way_to_a_file_is_found_when_reading(tmp_path):
    """A key through a linked folder (never listed, but an arrival is only data) reads nothing."""
    landing = tmp_path / "landing"
    upload(landing, "110000/2025-01/beijing.csv", b"beijing")
    (landing / "360000").mkdir()
    (landing / "360000/2025-01").symlink_to(landing / "110000/2025-01")
    assert LocalStore(landing).entry_problem("360000/2025-01/beijing.csv").problem == SYMLINK


def test_a_file_replaced_by_a_link_after_listing_is_answered_as_the_next_listing_sees_it(workspace):
    upload(workspace.landing, "110000/2025-01/beijing.csv", csv_bytes(WINTER_WARMTH, valid_rows("110000")))
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")), minute=1)
    arrivals = pipeline.discover()
    jiangxi = workspace.landing / "360000/2025-01/jiangxi.csv"
    jiangxi.unlink()
    jiangxi.symlink_to(workspace.landing / "110000/2025-01/beijing.csv")

    answers = [pipeline.process(a) for a in arrivals]
    pipeline.load(answers)
    [link] = [a for a in answers if a["source"].startswith("360000/")]
    assert link["outcome"] == "rejected" and SYMLINK in link["failures"][0]
    assert pipeline.discover() == []  # the ledger holds the link under the identity listing gives it


def test_a_file_deleted_after_listing_is_gone_not_recorded_and_read_when_uploaded_again(workspace):
    data = csv_bytes(WINTER_WARMTH, valid_rows("360000"))
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", data)
    [arrival] = pipeline.discover()
    (workspace.landing / "360000/2025-01/jiangxi.csv").unlink()

    answer = pipeline.process(arrival)
    assert answer["outcome"] == isolation.GONE
    pipeline.load([answer])
    assert "gone before they could be read" in pipeline.summarize([answer], [arrival])
    assert statuses(workspace.warehouse_url) == {}

    upload(workspace.landing, "360000/2025-01/jiangxi.csv", data)
    [again] = pipeline.discover()
    assert again["sha256"] == arrival["sha256"]


# --- permissions, as a user other than root ---------------------------------------------------------------


def _as_nobody(root: str, queue) -> None:
    try:
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        store = LocalStore(root)
        arrivals = find_new_arrivals(store, set())
        queue.put([(a.source, a.sha256, a.entry_problem, store.entry_problem(a.source)) for a in arrivals])
    except BaseException as exc:  # reported to the test, which fails on it
        queue.put(repr(exc))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_files_and_folders_the_pipeline_may_not_open_are_rejected_alike_listed_or_read():
    """Run as root, the tests cannot meet a permission error (root reads anything): listing and
    reading are done here by a child process that has become `nobody`."""
    root = Path(tempfile.mkdtemp(prefix="landing-perm-"))
    try:
        root.chmod(0o755)
        upload(root, "360000/2025-01/open.csv", b"open")
        upload(root, "360000/2025-01/locked.csv", b"locked").chmod(0)
        upload(root, "110000/2025-01/locked-folder/x.csv", b"x")
        for folder in ("360000", "360000/2025-01", "110000", "110000/2025-01"):
            (root / folder).chmod(0o755)
        (root / "110000/2025-01/locked-folder").chmod(0)
        queue = multiprocessing.get_context("fork").SimpleQueue()
        child = multiprocessing.get_context("fork").Process(target=_as_nobody, args=(str(root), queue))
        child.start()
        child.join(60)
        seen = queue.get()
        assert isinstance(seen, list), seen
        found = {source: (problem, entry) for source, _, problem, entry in seen}
        assert found["360000/2025-01/open.csv"] == (None, None)
        assert found["360000/2025-01/locked.csv"][0] == UNREADABLE
        assert found["110000/2025-01/locked-folder"][0] == UNLISTABLE
        for source, sha, problem, entry in seen:
            if problem:  # reading classifies it as listing did, under the same identity
                assert (entry.problem, entry.stand_in) == (problem, sha), source
    finally:
        for path in root.rglob("*"):
            path.chmod(0o755) if path.is_dir() else None
        (root / "110000/2025-01/locked-folder").chmod(0o755)
        import shutil

        shutil.rmtree(root)
