-- ingest: what the pipeline has seen (the ledger); core: what it loaded;
-- staging: views that clean and derive; mart: what BI tools and people query.
CREATE SCHEMA IF NOT EXISTS ingest;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS mart;
