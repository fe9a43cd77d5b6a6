"""Consolidation of provincial trade-union reports into national totals.

The flow, one module per step in the order the data moves:
land (find new files) → read (bytes to a typed table) → validate (Great Expectations suite plus
cross-row rules) → convert (Parquet in the lake, raw copies, quarantine) → load (warehouse, one
transaction) → totals (what the marts say) → report (the run's answers).
"""
