-- ingest: what the pipeline has seen (the ledger); core: what it loaded;
-- staging: one view per table, the only views that read them; intermediate: views that derive;
-- mart: what BI tools and people query.
CREATE SCHEMA IF NOT EXISTS ingest;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS intermediate;
CREATE SCHEMA IF NOT EXISTS mart;
