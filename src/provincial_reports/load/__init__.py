"""Step 5, load: the run's answers into the warehouse in one transaction (`transaction`): the
ledger, the figures, the records, the declarations and the validation results."""
