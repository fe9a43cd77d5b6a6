"""A records file checked, batch by batch, so that memory stays flat whatever its size.

Each batch of the file goes through the records pass (record_pass: typed, flagged, pseudonymised),
then through the Great Expectations suite (batch_results), the rules over every row (rules.yaml
beside the suite) and into a temporary Parquet file; the rules over the whole file (no repeated
payment, at least one row, read to its end) run at the end. Only an accepted file's Parquet
reaches the lake, and any identity number quoted in its answer is masked.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from provincial_reports.declarations import RecordsRules, ReportType, RowRule
from provincial_reports.land import Arrival
from provincial_reports.privacy import mask_identity_numbers
from provincial_reports.read import SOURCE_ROW, Unreadable
from provincial_reports.read.batches import BatchSource, open_batches
from provincial_reports.validate.batch_results import batch_suite_result, empty_frame, gx_frame, merge_batch_result
from provincial_reports.validate.record_pass import passed_batches, worker_duckdb
from provincial_reports.validate.suites import records_parameters
from provincial_reports.validate.tables import COLUMNS_AS_TEMPLATE, columns_as_template
from provincial_reports.validate.verdict import (
    MAX_LISTED,
    READABLE,
    Rule,
    Verdict,
    check_result,
    listed_with_total,
    reject_unread,
    rule_config,
    verdict,
)
from provincial_reports.write import records_parquet

# Repeated payments: the groups found in one pass that keeps only a count and the first row per
# group (so that it fits in a worker's small DuckDB memory), then, only if there are any, a
# second pass for the rows of the first few.
READABLE_TO_THE_END = Rule("readable_to_the_end", "the whole file must be readable", "整个文件应能完整读取")
CELL_COUNT = Rule("cell_count", "every row must have as many cells as the header", "每行单元格数应与表头一致")
ROWS_PRESENT = Rule("rows_present", "the file must contain at least one data row", "文件中至少应有一行数据")
NO_DUPLICATE_PAYMENT = Rule(
    "no_duplicate_payment",
    "the same beneficiary may not be paid the same amount on the same day twice",
    "同一对象同一天同一金额不得重复发放",
)
REPEATED_PAYMENTS_SQL = """
SELECT beneficiary_pseudonym, paid_on, amount_yuan, min(source_row) AS first_row, count(*) OVER () AS groups
FROM read_parquet($path)
WHERE beneficiary_pseudonym IS NOT NULL AND paid_on IS NOT NULL AND amount_yuan IS NOT NULL
GROUP BY ALL
HAVING count(*) > 1
ORDER BY first_row
LIMIT $listed
"""
REPEATED_ROWS_SQL = """
SELECT list(p.source_row ORDER BY p.source_row)[1:5] AS rows_
FROM read_parquet($path) AS p JOIN repeated USING (beneficiary_pseudonym, paid_on, amount_yuan)
GROUP BY repeated.first_row
ORDER BY repeated.first_row
"""


@dataclass
class Tally:
    """How many rows broke a rule, and the first few of them."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, batch: pa.RecordBatch, rule: RowRule) -> None:
        flags = batch.column(rule.flag)
        broken = pc.sum(flags).as_py() or 0
        if not broken:
            return
        self.count += broken
        wanted = MAX_LISTED - len(self.examples)
        if wanted > 0:
            rows = batch.filter(flags).slice(0, wanted)
            numbers = rows.column(SOURCE_ROW).to_pylist()
            values = rows.column(rule.shown).to_pylist() if rule.shown else [None] * len(numbers)
            self.examples += [
                f"row {n}" + ("" if v is None else f": {v!r}") for n, v in zip(numbers, values, strict=True)
            ]

    def findings(self) -> list[str]:
        return listed_with_total(self.examples, self.count, "rows", "行")


def judge_records(
    arrival: Arrival, path: Path, report_type: ReportType, key: bytes, output: Path
) -> tuple[Verdict, int]:
    """The verdict on the file and how many data rows it has; `output` holds its Parquet if accepted."""
    if arrival.path_problem:
        return _masked(reject_unread(arrival, "path", arrival.path_problem)), 0
    try:
        source = open_batches(path, arrival.filename, report_type)
        found, rows = _validated(source, arrival, key, output)
    except Unreadable as exc:
        found, rows = reject_unread(arrival, "readable", str(exc)), 0
    return _masked(found), rows


def _validated(source: BatchSource, arrival: Arrival, key: bytes, output: Path) -> tuple[Verdict, int]:
    rt = source.report_type
    tallies = {rule.flag: Tally() for rule in rt.records.row_rules}
    merged, rows, parameters = None, 0, records_parameters(arrival, rt)
    con = worker_duckdb()
    with records_parquet(output) as write, closing(passed_batches(con, source, arrival, key, rt)) as batches:
        for batch in batches:
            rows += batch.num_rows
            merged = merge_batch_result(merged, batch_suite_result(rt, gx_frame(batch), parameters))
            for rule in rt.records.row_rules:
                tallies[rule.flag].add(batch, rule)
            write(batch)
    if merged is None:  # no data row: the suite still answers, on an empty batch
        merged = merge_batch_result(None, batch_suite_result(rt, empty_frame(), parameters))
    results = [
        *merged["results"],
        columns_as_template(source),
        check_result(READABLE_TO_THE_END, [f"reading stopped: {source.read_error}"] if source.read_error else []),
        check_result(CELL_COUNT, source.bad_rows[:MAX_LISTED]),
        check_result(ROWS_PRESENT, [] if rows else ["no data rows (没有数据行)"]),
        *[_row_rule_result(rule, tallies[rule.flag], rt.records) for rule in rt.records.row_rules],
        _duplicates(con, output),
    ]
    return verdict(arrival, rt, results, merged["meta"]), rows


def records_rules(rt: ReportType) -> list[dict]:
    """Every rule of ours a records file of this type is checked against, beside its suite's, as
    expectation configurations: what its suite page lists."""
    return [
        rule_config(READABLE),
        rule_config(COLUMNS_AS_TEMPLATE),
        *map(rule_config, (READABLE_TO_THE_END, CELL_COUNT, ROWS_PRESENT)),
        *[rule_config(row_rule(rule, rt.records), rule.column) for rule in rt.records.row_rules],
        rule_config(NO_DUPLICATE_PAYMENT),
    ]


def row_rule(rule: RowRule, rules: RecordsRules) -> Rule:
    """A rule of rules.yaml with the declared ages in its words."""
    return Rule(rule.check, rules.wording(rule.en), rules.wording(rule.zh))


def _row_rule_result(rule: RowRule, tally: Tally, rules: RecordsRules) -> dict:
    result = check_result(row_rule(rule, rules), tally.findings(), rule.column)
    result["result"]["unexpected_count"] = tally.count
    return result


def _duplicates(con: duckdb.DuckDBPyConnection, output: Path) -> dict:
    repeated = con.sql(REPEATED_PAYMENTS_SQL, params={"path": str(output), "listed": MAX_LISTED}).to_arrow_table()
    groups = repeated["groups"][0].as_py() if repeated.num_rows else 0
    findings = []
    if groups:
        con.register("repeated", repeated)
        try:
            listed = con.execute(REPEATED_ROWS_SQL, {"path": str(output)}).fetchall()
        finally:
            con.unregister("repeated")
        examples = [f"rows {', '.join(map(str, rows))}" for (rows,) in listed]
        findings = listed_with_total(examples, groups, "repeated payments", "组")
    result = check_result(NO_DUPLICATE_PAYMENT, findings)
    result["result"]["unexpected_count"] = groups
    return result


def _masked(found: Verdict) -> Verdict:
    """The verdict with every identity number it quotes masked, in the answer and the document."""
    document = json.loads(mask_identity_numbers(json.dumps(found.document, ensure_ascii=False, default=str)))
    return Verdict(found.accepted, document, [mask_identity_numbers(f) for f in found.failures])
