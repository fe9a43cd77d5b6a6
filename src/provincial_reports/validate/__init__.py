"""Step 3, validate: every file judged by its report type's Great Expectations suite and by the
rules a single-column expectation cannot state, all in one result document with the answer in
plain words (`verdict`). Summary tables in `tables`, records batch by batch in `records`."""
