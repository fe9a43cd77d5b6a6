"""Valid submissions to start from, one module per report type, shared by the tests, the demo
samples (tools.samples) and the benchmark (bench/generate.py); each user breaks only what it needs.

- `winter_warmth`: a province's own row and its cities' rows (`province_row`, `city_row`,
  `valid_rows`), and the pieces the demo draws realistic figures with (`money`, `split_funds`,
  `unit_row`).
- `relief_disbursements`: payment records row by row (`identity_number`, `record`, `records`) and
  the same records column-wise, millions at a time, as an Arrow table (`province_table`).
- `files`: one writer per format for any report type (`csv_bytes`, `xlsx_bytes`, `json_bytes`,
  `parquet_bytes`), and `upload`, which puts bytes in a landing zone with a chosen arrival time.

Rows are dicts keyed by the declared column names; a value of None is a cell left blank.
"""
