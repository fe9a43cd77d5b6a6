"""Step 7, report: the report site (`site`, its pages and the Data Docs) and the text a task's log
and the terminal show (`terminal`)."""
