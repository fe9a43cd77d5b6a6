"""Official figures (issue 16): a reviewer's approval turns a candidate into an immutable release, on
both engines; the same content is the same release; a resubmission makes the next release a revision
that records what changed; a rejection publishes nothing; unmet conditions need a comment; an
embargoed release is hidden from BI, and from `reports_bi` itself on PostgreSQL, until its instant.
The publish/ functions are called directly, as the DAG's tasks call them (tests/test_celery.py
drives the same path through Airflow's scheduler and REST API)."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from provincial_reports import cli, pipeline
from provincial_reports.cli import create_roles
from provincial_reports.config import PROJECT_ROOT
from provincial_reports.publish.sign_off import decide, prepare
from provincial_reports.stores.warehouse import opened
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

PROVINCES = ("110000", "320000", "650000")
FUNDS = "SELECT value FROM {} WHERE metric = 'funds_total'"


@pytest.fixture
def conditions_of_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The declarations with winter_warmth's release conditions at two provinces and nothing else,
    so that three provinces' files meet them."""
    copy = tmp_path / "expectations"
    shutil.copytree(PROJECT_ROOT / "expectations", copy)
    declaration = copy / "winter_warmth" / "report_type.yaml"
    text = declaration.read_text(encoding="utf-8")
    start = text.index("release: {")
    declaration.write_text(text.replace(text[start : text.index("}", start) + 1], "release: {min_provinces: 2}"))
    monkeypatch.setenv("REPORTS_EXPECTATIONS", str(copy))


def load(workspace, rows_by_province: dict[str, list[dict]], minute: int = 0) -> None:
    for code, rows in rows_by_province.items():
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, rows), minute)
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])


def load_three(workspace) -> None:
    load(workspace, {code: valid_rows(code) for code in PROVINCES})


def response(option: str = "Approve", comment: str = "", release_at: str = "", by: str = "Wang Fang") -> dict:
    """Airflow's human-in-the-loop payload, as the HITL task hands it on."""
    return {
        "chosen_options": [option],
        "params_input": {"comment": comment, "release_at": release_at},
        "responded_by_user": {"id": by.lower(), "name": by},
        "responded_at": datetime.now(UTC),
    }


def query(workspace, sql: str, params: tuple = ()) -> list[dict]:
    with opened(workspace.warehouse_url) as warehouse:
        return warehouse.query(sql, params)


def test_an_approved_candidate_becomes_a_release_with_its_figures_and_files(
    workspace, conditions_of_two, tmp_path, capsys
):
    load_three(workspace)
    candidate = prepare("winter_warmth", "2025-01")
    assert candidate["conditions_met"] and candidate["previous_release_id"] is None
    assert len(candidate["missing_provinces"]) == 28 and "110000" not in candidate["missing_provinces"]

    decision = decide(candidate, response(comment="checked against the provinces' letters"), "run-1")

    assert (decision["decision"], decision["release_id"]) == ("approved", "winter_warmth/2025-01/r1")
    [release] = query(workspace, "SELECT * FROM mart.releases")
    assert (release["approved_by"], release["comment"], release["is_latest"]) == (
        "Wang Fang",
        "checked against the provinces' letters",
        True,
    )
    assert release["content_sha256"] == candidate["content_sha256"] and not release["approved_anyway"]
    live = query(workspace, "SELECT metric, value, provinces_reported, provinces_missing FROM mart.national_totals")
    frozen = query(workspace, "SELECT metric, value, provinces_reported, provinces_missing FROM mart.released_totals")
    official = query(workspace, "SELECT metric, value, provinces_reported, provinces_missing FROM mart.official_totals")
    key = lambda r: r["metric"]  # noqa: E731
    assert sorted(frozen, key=key) == sorted(live, key=key) == sorted(official, key=key)
    assert query(workspace, FUNDS.format("mart.official_totals")) == [{"value": Decimal(4820 * 3)}]
    # The drill-down: each released province figure names its file by location and sha256.
    files = query(workspace, "SELECT DISTINCT province_code, source, sha256 FROM mart.released_province_figures")
    ledger = query(workspace, "SELECT province_code, source, sha256 FROM mart.submissions")
    assert sorted(files, key=str) == sorted(ledger, key=str) and len(files) == 3
    [recorded] = query(workspace, "SELECT decision, decided_by, release_id FROM mart.release_decisions")
    assert recorded == {"decision": "approved", "decided_by": "Wang Fang", "release_id": "winter_warmth/2025-01/r1"}
    # What operators and auditors read besides BI: `cli show` and `cli export`.
    assert cli.main(["show"]) == 0
    assert "winter_warmth/2025-01/r1  released" in capsys.readouterr().out
    assert cli.main(["export", str(tmp_path / "export"), "--mart", "official_totals", "--mart", "releases"]) == 0
    exported = (tmp_path / "export" / "official_totals.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(exported) == 1 + len(WINTER_WARMTH.metrics) and "winter_warmth/2025-01/r1" in exported[1]


def test_publishing_the_same_content_again_is_the_same_release(workspace, conditions_of_two):
    load_three(workspace)
    decide(prepare("winter_warmth", "2025-01"), response(), "run-1")
    again = decide(prepare("winter_warmth", "2025-01"), response(by="Li Na"), "run-2")

    assert again["release_id"] == "winter_warmth/2025-01/r1" and "no new release" in again["note"]
    assert [r["approved_by"] for r in query(workspace, "SELECT * FROM mart.releases")] == ["Wang Fang"]
    assert len(query(workspace, "SELECT * FROM mart.release_decisions")) == 2
    # A retried task commits nothing twice: the run's decision is already in.
    assert decide(prepare("winter_warmth", "2025-01"), response(), "run-2") == again
    assert len(query(workspace, "SELECT * FROM mart.release_decisions")) == 2


def test_a_resubmission_makes_the_next_release_a_revision_recording_the_changes(workspace, conditions_of_two):
    load_three(workspace)
    decide(prepare("winter_warmth", "2025-01"), response(), "run-1")
    load(workspace, {"320000": [province_row("320000", scale=2)]}, minute=5)  # Jiangsu doubles its figures

    candidate = prepare("winter_warmth", "2025-01")
    funds = [c for c in candidate["changes"] if c["metric"] == "funds_total"]
    assert funds == [
        {"province_code": "", "metric": "funds_total", "old_value": "14460.0000", "new_value": "19280.0000"},
        {"province_code": "320000", "metric": "funds_total", "old_value": "4820.0000", "new_value": "9640.0000"},
    ]
    assert "changed since winter_warmth/2025-01/r1" in candidate["body"]
    decide(candidate, response(), "run-2")

    releases = query(
        workspace, "SELECT release_id, previous_release_id, is_latest FROM mart.releases ORDER BY revision"
    )
    assert releases == [
        {"release_id": "winter_warmth/2025-01/r1", "previous_release_id": None, "is_latest": False},
        {
            "release_id": "winter_warmth/2025-01/r2",
            "previous_release_id": "winter_warmth/2025-01/r1",
            "is_latest": True,
        },
    ]
    changes = query(
        workspace,
        "SELECT level, province_code, old_value, new_value, previous_release_id, release_id FROM mart.release_changes "
        "WHERE metric = 'funds_total' ORDER BY level",
    )
    assert changes == [
        {
            "level": "national",
            "province_code": None,
            "old_value": Decimal(14460),
            "new_value": Decimal(19280),
            "previous_release_id": "winter_warmth/2025-01/r1",
            "release_id": "winter_warmth/2025-01/r2",
        },
        {
            "level": "province",
            "province_code": "320000",
            "old_value": Decimal(4820),
            "new_value": Decimal(9640),
            "previous_release_id": "winter_warmth/2025-01/r1",
            "release_id": "winter_warmth/2025-01/r2",
        },
    ]
    per_release = query(
        workspace, "SELECT release_id, value FROM mart.released_totals WHERE metric = 'funds_total' ORDER BY release_id"
    )
    assert [r["value"] for r in per_release] == [Decimal(14460), Decimal(19280)], "r1 stays as it was released"
    assert query(workspace, FUNDS.format("mart.official_totals")) == [{"value": Decimal(19280)}]


def test_a_rejection_or_an_instant_without_its_zone_publishes_nothing_and_is_recorded(workspace, conditions_of_two):
    load_three(workspace)
    decision = decide(prepare("winter_warmth", "2025-01"), response("Reject", "Xinjiang is revising"), "run-1")

    assert (decision["decision"], decision["release_id"]) == ("rejected", None)
    assert query(workspace, "SELECT * FROM mart.releases") == []
    assert query(workspace, "SELECT * FROM mart.official_totals") == []
    [recorded] = query(workspace, "SELECT decision, comment FROM mart.release_decisions")
    assert recorded == {"decision": "rejected", "comment": "Xinjiang is revising"}
    # An approval whose release instant has no zone (whose 09:00?) publishes nothing either.
    refused = decide(prepare("winter_warmth", "2025-01"), response(release_at="2026-12-05T09:00"), "run-2")
    assert refused["decision"] == "refused" and "no time zone" in refused["note"]
    assert query(workspace, "SELECT * FROM mart.releases") == []


def test_unmet_release_conditions_need_a_comment_and_are_recorded_as_approved_anyway(workspace):
    load_three(workspace)  # three provinces: winter_warmth's own conditions ask for 25
    candidate = prepare("winter_warmth", "2025-01")
    assert not candidate["conditions_met"] and "CONDITIONS NOT MET" in candidate["subject"]
    assert [c["met"] for c in candidate["conditions"] if "provinces" in c["condition"]] == [False]

    refused = decide(candidate, response(), "run-1")
    assert refused["decision"] == "refused" and refused["release_id"] is None
    assert query(workspace, "SELECT * FROM mart.releases") == []

    anyway = decide(candidate, response(comment="the State Council asked for the early figure"), "run-2")
    assert anyway["decision"] == "approved anyway"
    [release] = query(workspace, "SELECT approved_anyway, conditions_met, conditions FROM mart.releases")
    assert release["approved_anyway"] and not release["conditions_met"]
    assert "at least 25 provinces: NO" in release["conditions"]


def test_an_embargoed_release_is_in_no_mart_until_its_instant(workspace, conditions_of_two):
    load_three(workspace)
    instant = datetime.now(UTC) + timedelta(seconds=3)
    decision = decide(prepare("winter_warmth", "2025-01"), response(release_at=instant.isoformat()), "run-1")
    assert decision["release_id"] == "winter_warmth/2025-01/r1"
    for mart in ("releases", "released_totals", "released_province_figures", "official_totals", "release_decisions"):
        assert query(workspace, f"SELECT * FROM mart.{mart}") == [], mart
    time.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()) + 0.2)
    [release] = query(workspace, "SELECT released_at FROM mart.releases")
    assert release["released_at"] == instant.replace(microsecond=instant.microsecond)
    assert len(query(workspace, "SELECT * FROM mart.official_totals")) == len(WINTER_WARMTH.metrics)


REFUSED = (
    "UPDATE core.releases SET approved_by = 'someone else'",
    "DELETE FROM core.released_totals",
    "UPDATE core.released_province_figures SET value = 0",
    "DELETE FROM core.release_changes WHERE FALSE",
    "UPDATE core.release_decisions SET decision = 'approved'",
    "TRUNCATE core.releases CASCADE",
)


@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)
def test_postgresql_refuses_changing_a_release_row_even_to_its_owner(workspace, conditions_of_two):
    load_three(workspace)
    decide(prepare("winter_warmth", "2025-01"), response("Reject"), "run-0")
    decide(prepare("winter_warmth", "2025-01"), response(), "run-1")
    before = [query(workspace, "SELECT * FROM mart.releases"), query(workspace, "SELECT * FROM mart.release_decisions")]
    with opened(workspace.warehouse_url) as warehouse:  # the loader, owner of the tables (or postgres)
        for sql in REFUSED:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="releases are immutable"):
                warehouse.execute(sql)
    after = [query(workspace, "SELECT * FROM mart.releases"), query(workspace, "SELECT * FROM mart.release_decisions")]
    assert after == before


def as_role(database_url: str, role: str) -> str:
    server, name = database_url.rsplit("/", 1)
    return f"postgresql://{role}@{server.split('@', 1)[1]}/{name}"


@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)
def test_reports_bi_cannot_read_an_embargoed_release_before_its_instant(workspace, conditions_of_two):
    create_roles()
    load_three(workspace)
    instant = datetime.now(UTC) + timedelta(seconds=4)
    decide(prepare("winter_warmth", "2025-01"), response(release_at=instant.isoformat()), "run-1")

    with psycopg.connect(as_role(workspace.warehouse_url, "reports_bi"), autocommit=True) as bi:
        assert bi.execute("SELECT count(*) FROM mart.releases").fetchone() == (0,)
        assert bi.execute("SELECT count(*) FROM mart.official_totals").fetchone() == (0,)
        for table in ("core.releases", "core.released_totals", "staging.stg_releases"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute(f"SELECT * FROM {table}")
        time.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()) + 0.2)
        # No run since: the same session sees it at its instant.
        assert bi.execute("SELECT release_id FROM mart.releases").fetchall() == [("winter_warmth/2025-01/r1",)]
        assert bi.execute("SELECT count(*) FROM mart.official_totals").fetchone() == (len(WINTER_WARMTH.metrics),)


def test_the_same_files_hash_to_the_same_content_on_both_engines(tmp_path, postgres_database, monkeypatch):
    """The content hash is over a canonical serialisation: DuckDB and PostgreSQL, which return sums
    at different scales, give the same candidate the same sha256."""
    hashes = []
    for name, url in (("duckdb", f"duckdb:///{tmp_path / 'warehouse.duckdb'}"), ("postgresql", postgres_database)):
        for setting, place in (("LANDING", "landing"), ("LAKE", "lake")):
            monkeypatch.setenv(f"REPORTS_{setting}", str(tmp_path / name / place))
        monkeypatch.setenv("REPORTS_WAREHOUSE", url)
        for code in PROVINCES:
            upload(
                tmp_path / name / "landing", f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code))
            )
        pipeline.load([pipeline.process(a) for a in pipeline.discover()])
        hashes.append(prepare("winter_warmth", "2025-01")["content_sha256"])
    assert hashes[0] == hashes[1]
