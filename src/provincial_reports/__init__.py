"""Consolidation of provincial trade-union reports into national totals.

The flow, a module or package per step, in the order the data moves: land (which files are new)
→ process (where each is routed) → read (bytes to a table or to batches) → validate (the report
type's Great Expectations suite and the contract's own rules) → write (the lake) → load (the
warehouse, one transaction) → total (what the marts say) → report (the site and the logs).
pipeline.py holds the DAG's task bodies; stores/ the landing zone, the lake and the warehouse.
"""
