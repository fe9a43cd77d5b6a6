"""A report type is a folder under expectations/: adding one is adding a folder, nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from provincial_reports import pipeline
from provincial_reports.config import DEFAULT_EXPECTATIONS
from provincial_reports.declarations import DECLARATION, SUITE, report_types
from provincial_reports.stores.warehouse import connect

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
def expectations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's expectations/ with one more report type, as a new folder."""
    folder = tmp_path / "expectations"
    shutil.copytree(DEFAULT_EXPECTATIONS, folder)
    new = folder / "summer_cooling"
    new.mkdir()
    (new / DECLARATION).write_text(yaml.safe_dump(SUMMER_COOLING, allow_unicode=True), encoding="utf-8")
    (new / SUITE).write_text(json.dumps(SUITE_DOC, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("REPORTS_EXPECTATIONS", str(folder))
    return folder


def test_a_new_folder_is_a_new_report_type_run_through_to_the_totals(expectations, workspace):
    assert "summer_cooling" in report_types()
    good = "报告期,单位代码,单位名称,清凉资金（万元）,慰问一线职工（人）,走访工地（个）\n"
    good += "2025-07,360000,江西省总工会,120.5,3000,42\n"
    bad = "period,org_unit_code,org_unit_name,funds_cooling,workers_visited,sites_visited\n2025-07,320000,x,1,-5,1\n"
    for source, text in (("360000/2025-07/cooling.csv", good), ("330000/2025-07/cooling.csv", bad)):
        (workspace.landing / source).parent.mkdir(parents=True)
        (workspace.landing / source).write_text(text, encoding="utf-8")

    answers = {a["source"]: a for a in map(pipeline.process, pipeline.discover())}
    pipeline.load(list(answers.values()))

    assert answers["360000/2025-07/cooling.csv"]["outcome"] == "accepted"
    rejected = answers["330000/2025-07/cooling.csv"]
    assert rejected["outcome"] == "rejected" and rejected["report_type"] == "summer_cooling"
    assert any("慰问一线职工（人） (workers_visited): must not be negative" in f for f in rejected["failures"])
    warehouse = connect(workspace.warehouse_url)
    try:
        totals = {
            r["metric"]: r["value"]
            for r in warehouse.query(
                "SELECT metric, value FROM mart.national_totals WHERE report_type = 'summer_cooling'"
            )
        }
    finally:
        warehouse.close()
    assert totals == {"funds_cooling": 120.5, "workers_visited": 3000, "sites_visited": 42}
