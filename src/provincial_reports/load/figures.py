"""An accepted summary report's figures: its wide Parquet as long rows, one per unit and metric."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from provincial_reports.declarations import ReportType, report_types
from provincial_reports.stores.objects import Store
from provincial_reports.write import Answer

FIGURE_VALUE = pa.decimal128(38, 4)  # wide enough for any int64 count and any decimal(18, 4)


def figures(lake: Store, answer: Answer) -> pa.Table:
    """The wide Parquet of one submission as long rows: one per unit and metric."""
    report_type: ReportType = report_types()[answer.report_type]
    wide = pq.read_table(io.BytesIO(lake.read(answer.parquet_location)))
    n = wide.num_rows

    def constant(value: str) -> pa.Array:
        return pa.array([value] * n, pa.string())

    parts = [
        pa.table(
            {
                "submission_id": wide["submission_id"],
                "report_type": constant(report_type.name),
                "period": constant(answer.arrival.period),
                "province_code": constant(answer.arrival.province_code),
                "org_unit_code": wide["org_unit_code"],
                "org_unit_name": wide["org_unit_name"],
                "source_row": wide["source_row"],
                "metric": constant(metric.name),
                "value": pc.cast(wide[metric.name], FIGURE_VALUE),
            }
        )
        for metric in report_type.metrics
    ]
    return pa.concat_tables(parts)
