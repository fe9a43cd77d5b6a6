"""The report types' Great Expectations suites, run on pandas frames, and the parameters a suite
may refer to ({"$PARAMETER": …}): facts of the upload's path, or of the report type's declaration.
The same suites are rendered as Data Docs (report.data_docs).
"""

from __future__ import annotations

import gc
import logging
from functools import cache

import pandas as pd

from provincial_reports.declaration_checks import SUITE_PARAMETERS
from provincial_reports.declarations import ReportType, provinces
from provincial_reports.land import Arrival
from provincial_reports.read import SOURCE_ROW

# Every module that imports GX imports this one first. On import GX logs, at INFO, one line per
# function it declines to document ("Skipping registering function … because it is a closure"):
# 214 of a process task's 230 log lines. Its warnings and errors still reach the log.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": [SOURCE_ROW]}


@cache
def batch_definition():
    """One ephemeral GX context per process: building it costs more than validating a report."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("submissions")
    return source.add_dataframe_asset("submission").add_batch_definition_whole_dataframe("whole file")


@cache
def expectation_suite(report_type: ReportType):
    """The report type's suite (suite.json in its folder) as a GX ExpectationSuite."""
    import great_expectations as gx

    doc = report_type.suite()
    return gx.ExpectationSuite(name=doc["name"], expectations=doc["expectations"], meta=doc.get("meta"))


def summary_parameters(arrival: Arrival) -> dict:
    """What a summary report's suite may refer to: the upload folder's period and province."""
    prefix = provinces()[arrival.province_code].prefix
    return {
        "period": [arrival.period],
        "province_row_codes": [arrival.province_code],
        "org_unit_code_pattern": rf"^{prefix}\d{{2}}00$",
    }


def records_parameters(arrival: Arrival, report_type: ReportType) -> dict:
    """What a records suite may refer to: the upload folder's period and province, and the
    declared categories and cap on one payment."""
    prefix = provinces()[arrival.province_code].prefix
    return {
        "period": [arrival.period],
        "records_unit_pattern": rf"^{prefix}\d{{4}}$",
        "categories": [c.code for c in report_type.records.categories],
        "amount_cap_yuan": report_type.records.amount_cap_yuan,
    }


def parameter_words(report_type: ReportType) -> dict[str, str]:
    """What each parameter its suite may use stands for, in words: its value depends on the upload,
    so a suite page, which is no upload's, shows these."""
    words = {
        "period": "the upload folder's period (上传目录中的报告期)",
        "province_row_codes": "the province's own code XX0000 (本省代码)",
        "org_unit_code_pattern": "^XX\\d{2}00$, XX the province's two digits (本省代码前两位)",
        "records_unit_pattern": "^XX\\d{4}$, XX the province's two digits (本省代码前两位)",
    }
    if report_type.records:
        categories = ", ".join(c.code for c in report_type.records.categories)
        words |= {"categories": categories, "amount_cap_yuan": f"{report_type.records.amount_cap_yuan:g}"}
    return {name: words[name] for name in SUITE_PARAMETERS[report_type.kind]}


def run_suite(
    report_type: ReportType, frame: pd.DataFrame, parameters: dict, result_format: dict = RESULT_FORMAT
) -> dict:
    """The suite's result on one frame, as a JSON-able document."""
    batch = batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        expectation_suite(report_type), expectation_parameters=parameters, result_format=result_format
    ).to_json_dict()
    # GX parses suite parameters with pyparsing, which raises and catches exceptions as it goes;
    # their tracebacks form reference cycles with the stack frames, which keep the batch's frame
    # alive until Python's cycle collector gets to them, so that a worker grows with every large
    # file. Collecting the young generations now frees them, in a fraction of a millisecond.
    gc.collect(1)
    broken = [r for r in result["results"] if r["exception_info"].get("raised_exception")]
    if broken:  # an expectation that crashed is our bug, not the province's fault
        raise RuntimeError(f"expectation raised: {broken[0]['exception_info']['exception_message']}")
    return result
