"""What operators and tests run beside the pipeline: demo samples and test-data builders, the
marts as files for auditors, the provinces' MinIO access; the command line is cli.py."""
