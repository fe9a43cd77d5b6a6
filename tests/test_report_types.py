"""A report type is a folder under expectations/: adding one is adding a folder, nothing else; the
scaffold (`cli new-report-type`) writes one that runs as it is, and a wrong declaration is refused
before anything is read, naming the file and the key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import KEY
from provincial_reports import cli, pipeline
from provincial_reports.config import DEFAULT_EXPECTATIONS
from provincial_reports.declaration_checks import SUITE_PARAMETERS, DeclarationError
from provincial_reports.declarations import DECLARATION, SUITE, provinces, report_types
from provincial_reports.land import arrival_of
from provincial_reports.stores.objects import StoredObject
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import BASE_TIME, upload
from provincial_reports.tools.declared_samples import declared_samples
from provincial_reports.validate.suites import records_parameters, summary_parameters

SUMMER_COOLING = {
    "name": "summer_cooling",
    "title_zh": "夏送清凉情况统计表",
    "title_en": "Summer cooling campaign",
    "due_day": 10,
    "columns": [
        {"name": "period", "label_zh": "报告期", "type": "period"},
        {"name": "org_unit_code", "label_zh": "单位代码", "type": "code"},
        {"name": "org_unit_name", "label_zh": "单位名称", "type": "text"},
        {"name": "funds_cooling", "label_zh": "清凉资金（万元）", "type": "decimal", "unit": "10k yuan"},
        {"name": "workers_visited", "label_zh": "慰问一线职工（人）", "type": "integer", "unit": "people"},
        {"name": "sites_visited", "label_zh": "走访工地（个）", "type": "integer", "unit": "sites"},
    ],
}
SUITE_DOC = {
    "name": "summer_cooling",
    "expectations": [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "period", "value_set": {"$PARAMETER": "period"}},
            "meta": {"rule_en": "must equal the reporting period of the upload folder", "rule_zh": "应与报告期一致"},
        },
        {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {"column": "org_unit_code", "regex": {"$PARAMETER": "org_unit_code_pattern"}},
            "meta": {"rule_en": "must be a code of this province", "rule_zh": "应为本省单位代码"},
        },
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "workers_visited", "min_value": 0},
            "meta": {"rule_en": "must not be negative", "rule_zh": "不能为负数"},
        },
    ],
}


@pytest.fixture
def project_expectations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's expectations/, in use."""
    folder = tmp_path / "expectations"
    shutil.copytree(DEFAULT_EXPECTATIONS, folder)
    monkeypatch.setenv("REPORTS_EXPECTATIONS", str(folder))
    return folder


@pytest.fixture
def expectations(project_expectations: Path) -> Path:
    """The project's expectations/ with one more report type, as a new folder."""
    folder = project_expectations
    new = folder / "summer_cooling"
    new.mkdir()
    (new / DECLARATION).write_text(yaml.safe_dump(SUMMER_COOLING, allow_unicode=True), encoding="utf-8")
    (new / SUITE).write_text(json.dumps(SUITE_DOC, ensure_ascii=False), encoding="utf-8")
    return folder


def test_a_new_folder_is_a_new_report_type_run_through_to_the_totals(expectations, workspace):
    assert "summer_cooling" in report_types()
    good = "报告期,单位代码,单位名称,清凉资金（万元）,慰问一线职工（人）,走访工地（个）\n"
    good += "2025-07,360000,江西省总工会,120.5,3000,42\n"
    bad = "period,org_unit_code,org_unit_name,funds_cooling,workers_visited,sites_visited\n2025-07,320000,x,1,-5,1\n"
    for source, text in (("360000/2025-07/cooling.csv", good), ("330000/2025-07/cooling.csv", bad)):
        (workspace.landing / source).parent.mkdir(parents=True)
        (workspace.landing / source).write_text(text, encoding="utf-8")

    answers = run()

    assert answers["360000/2025-07/cooling.csv"]["outcome"] == "accepted"
    rejected = answers["330000/2025-07/cooling.csv"]
    assert rejected["outcome"] == "rejected" and rejected["report_type"] == "summer_cooling"
    assert any("慰问一线职工（人） (workers_visited): must not be negative" in f for f in rejected["failures"])
    assert national_totals(workspace, "summer_cooling") == {
        "funds_cooling": 120.5,
        "workers_visited": 3000,
        "sites_visited": 42,
    }


def run() -> dict[str, dict]:
    """One run over the landing zone, as the DAG's tasks do it: every file's answer by source."""
    answers = {a["source"]: a for a in map(pipeline.process, pipeline.discover())}
    pipeline.load(list(answers.values()))
    return answers


def national_totals(workspace, report_type: str) -> dict[str, float]:
    warehouse = connect(workspace.warehouse_url)
    try:
        rows = warehouse.query("SELECT metric, value FROM mart.national_totals WHERE report_type = ?", [report_type])
    finally:
        warehouse.close()
    return {r["metric"]: r["value"] for r in rows}


def test_the_scaffold_writes_a_type_whose_sample_runs_through_to_the_totals(project_expectations, workspace, capsys):
    argv = ["new-report-type", "summer_cooling", "--title-zh", "夏送清凉情况统计表", "--title-en", "Summer cooling"]
    argv += [
        "--metric",
        "funds_cooling:清凉资金（万元）:decimal:10k yuan",
        "--metric",
        "sites_visited:走访工地（个）:integer",
    ]
    assert cli.main([*argv, "--due-day", "10"]) == 0
    folder = project_expectations / "summer_cooling"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "report_type.yaml", "sample.csv", "suite.json"]
    assert "wrote" in capsys.readouterr().out
    assert "清凉资金（万元） | decimal | 10k yuan" in (folder / "README.md").read_text(encoding="utf-8")
    sample = (folder / "sample.csv").read_bytes()
    province = next(iter(provinces()))
    upload(workspace.landing, f"{province}/2025-07/sample.csv", sample.replace(b"2025-01", b"2025-07"))
    upload(workspace.landing, "360000/2025-07/sample.csv", sample.replace(b",12\r\n", b",-1\r\n"))

    answers = run()

    assert answers[f"{province}/2025-07/sample.csv"]["outcome"] == "accepted"
    rejected = answers["360000/2025-07/sample.csv"]
    assert rejected["report_type"] == "summer_cooling" and rejected["outcome"] == "rejected"
    assert any("走访工地（个） (sites_visited): must not be negative" in f for f in rejected["failures"])
    assert any("org_unit_code" in f and "this province" in f for f in rejected["failures"]), "another's code"
    assert national_totals(workspace, "summer_cooling") == {"funds_cooling": 12.5, "sites_visited": 12}
    assert report_types()["summer_cooling"].due_day == 10
    with pytest.raises(FileExistsError):
        cli.main(argv)


@pytest.mark.parametrize(
    ("file", "change", "named"),
    [
        (DECLARATION, ("type: integer", "type: number"), "columns[4].type: Input should be 'period'"),
        (DECLARATION, ("title_en:", "titel_en:"), "titel_en: Extra inputs are not permitted"),
        (DECLARATION, ("name: org_unit_name", "name: unit_name"), "needs the column 'org_unit_name'"),
        (DECLARATION, ("due_day: 10", "due_day: 31"), "due_day: Input should be less than or equal to 28"),
        (DECLARATION, ("due_day: 10", "reminders: {after_due: [2]}"), "reminders: reminders are counted from the due"),
        (DECLARATION, ("due_day: 10", "due_day: 10\nmessages: {on_acept: true}"), "messages.on_acept: Extra inputs"),
        (DECLARATION, ("due_day: 10", "due_day: 10\nrelease: {propose_after_lock: true}"), "declare lock_after_days"),
        (SUITE, ('"org_unit_code_pattern"', '"unit_pattern"'), "kwargs.regex: no $PARAMETER 'unit_pattern'"),
        (SUITE, ('"column": "workers_visited"', '"column": "workers"'), "'workers' is not a declared column"),
        (SUITE, ('"rule_zh"', '"zh"'), "expectations[0].meta.rule_zh: Field required"),
    ],
)
def test_a_wrong_declaration_is_refused_at_the_start_naming_the_file_and_key(
    expectations, workspace, file, change, named
):
    path = expectations / "summer_cooling" / file
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    upload(workspace.landing, "360000/2025-07/cooling.csv", b"period,org_unit_code\n2025-07,360000\n")

    with pytest.raises(DeclarationError) as refused:
        pipeline.discover()  # the run's first task

    message = str(refused.value)
    assert str(path) in message and named in message, message
    assert not (workspace.lake / "validation").exists(), "nothing was read or answered"


def test_the_scaffold_refuses_a_name_that_is_not_a_folder_name(project_expectations):
    with pytest.raises(DeclarationError, match=r"name: String should match pattern"):
        cli.main(
            ["new-report-type", "Summer Cooling", "--title-zh", "x", "--title-en", "x", "--metric", "a:甲:integer"]
        )
    assert not (project_expectations / "Summer Cooling").exists()


def test_the_suite_parameters_checked_are_the_ones_provided(project_expectations):
    arrival = arrival_of(StoredObject("360000/2025-01/a.csv", 0, BASE_TIME), b"")
    assert tuple(summary_parameters(arrival)) == SUITE_PARAMETERS["summary"]
    records = report_types()["relief_disbursements"]
    assert tuple(records_parameters(arrival, records)) == SUITE_PARAMETERS["records"]


def test_cli_samples_writes_valid_files_of_every_declared_type_a_scaffolded_one_too(
    project_expectations, tmp_path, monkeypatch
):
    """`cli samples` is made from the declarations: beside winter_warmth's hand-drawn month, valid
    files of every other declared type, a type just added with `cli new-report-type` included."""
    argv = ["new-report-type", "summer_cooling", "--title-zh", "夏送清凉情况统计表", "--title-en", "Summer cooling"]
    assert (
        cli.main(
            [*argv, "--metric", "funds_cooling:清凉资金（万元）:decimal", "--metric", "sites:走访工地（个）:integer"]
        )
        == 0
    )
    landing = tmp_path / "landing"
    for name, value in (("LANDING", landing), ("LAKE", tmp_path / "lake"), ("WAREHOUSE", f"duckdb:///{tmp_path}/w.db")):
        monkeypatch.setenv(f"REPORTS_{name}", str(value))
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", KEY)

    assert cli.main(["samples", str(landing)]) == 0
    source, data, _ = next(s for s in declared_samples(set()) if "-winter_warmth-" in s[0])
    upload(landing, source, data)  # winter_warmth's too, had it no month drawn by hand

    assert len(list(landing.rglob("*-summer_cooling-2025-0?.csv"))) == 6 + 3, "two periods"
    made = ("-summer_cooling-2025-01", "-relief_disbursements-2025-02", "-winter_warmth-2025-01")
    answers = [pipeline.process(a) for a in pipeline.discover() if any(m in a["source"] for m in made)]
    assert {a["report_type"] for a in answers} == {"summer_cooling", "relief_disbursements", "winter_warmth"}
    assert [a["failures"] for a in answers if a["outcome"] != "accepted"] == []
