"""Step 2, read: a province's file, whatever its format, brought to the declared columns.

Summary reports (a province and its cities, a few dozen rows) are read whole into a table
(`tables`); records (payment records, millions of rows) are read as a stream of Arrow batches
(`batches`). Both decode text the same way (`text`), fit the header to the template the same way
(`header`), and number rows as the province counts them, in the `source_row` column.
"""

SOURCE_ROW = "source_row"


class Unreadable(Exception):
    """The file cannot be read as a table at all; the message is shown to the province."""
