"""Step 9, publish: national figures signed off by a reviewer become immutable releases."""
