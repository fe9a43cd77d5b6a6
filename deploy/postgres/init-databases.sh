#!/bin/bash
# Run once by the postgres image, when its data volume is first created (/docker-entrypoint-initdb.d).
# One server, two databases: `airflow` (Airflow's metadata, owned by the role `airflow`) and
# `reports` (the warehouse, with the roles of sql/roles/postgresql.sql). Passwords come from the
# environment and travel as psql variables, so they never appear in a file or a command line.
# To re-run it, the volume must be recreated; on an existing server apply the same statements by hand.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v airflow_password="$AIRFLOW_DB_PASSWORD" <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER airflow;
CREATE DATABASE reports;
SQL

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname reports --file /reports-roles/postgresql.sql

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname reports \
    -v loader_password="$REPORTS_LOADER_PASSWORD" <<'SQL'
ALTER ROLE reports_loader PASSWORD :'loader_password';
SQL
