"""Step 8, publish: national figures signed off by a reviewer become immutable releases."""
