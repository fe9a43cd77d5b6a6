-- Official national figures (src/provincial_reports/publish/): a release is an immutable snapshot
-- of one report type and period, signed off by a reviewer in Airflow's human-in-the-loop task.
-- Rows are only ever inserted, in one transaction per decision; nothing updates or deletes them
-- (on PostgreSQL a trigger refuses it: sql/ddl/postgresql/10_releases_immutable.sql).
-- Timestamps are UTC without a zone, as in every table.
CREATE TABLE IF NOT EXISTS core.releases (
    release_id           VARCHAR PRIMARY KEY,   -- <report type>/<period>/r<revision>
    report_type          VARCHAR NOT NULL,
    period               VARCHAR NOT NULL,
    revision             INTEGER NOT NULL,
    previous_release_id  VARCHAR,
    content_sha256       VARCHAR NOT NULL,      -- over the canonical JSON of its figures and sources
    approved_by          VARCHAR NOT NULL,
    approved_at          TIMESTAMP NOT NULL,
    released_at          TIMESTAMP NOT NULL,    -- the release instant: hidden from BI until then
    comment              VARCHAR NOT NULL,
    conditions_met       BOOLEAN NOT NULL,
    conditions           VARCHAR NOT NULL,      -- each declared condition and whether it held, in words
    suite_sha256         VARCHAR NOT NULL,      -- the report type's suite.json the figures were validated with
    validation_location  VARCHAR NOT NULL,      -- where the files' full validation results are
    open_flags           INTEGER NOT NULL,
    late_files           INTEGER NOT NULL,
    dag_run_id           VARCHAR NOT NULL,
    UNIQUE (report_type, period, revision)
);

-- The national totals of a release, as mart.national_totals stated them when it was prepared.
CREATE TABLE IF NOT EXISTS core.released_totals (
    release_id          VARCHAR NOT NULL,
    metric              VARCHAR NOT NULL,
    metric_label_zh     VARCHAR NOT NULL,
    unit                VARCHAR NOT NULL,
    value_type          VARCHAR NOT NULL,
    metric_position     INTEGER NOT NULL,
    value               DECIMAL(38, 4),
    provinces_reported  INTEGER NOT NULL,
    provinces_missing   VARCHAR[] NOT NULL,
    provinces_flagged   INTEGER NOT NULL,
    value_headline      DECIMAL(38, 4),
    PRIMARY KEY (release_id, metric)
);

-- The province figures behind a release's totals, each with the file it came from.
CREATE TABLE IF NOT EXISTS core.released_province_figures (
    release_id       VARCHAR NOT NULL,
    province_code    VARCHAR NOT NULL,
    metric           VARCHAR NOT NULL,
    value            DECIMAL(38, 4),
    under_review     BOOLEAN NOT NULL,     -- an open review flag on the figure when it was released
    submission_id    VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    received_at      TIMESTAMP NOT NULL,
    on_time          BOOLEAN,
    result_location  VARCHAR NOT NULL,
    PRIMARY KEY (release_id, province_code, metric)
);

-- Every national and province figure that differs from the previous release of the same report
-- type and period. province_code is '' for a national figure (a key column is never null).
CREATE TABLE IF NOT EXISTS core.release_changes (
    release_id           VARCHAR NOT NULL,
    previous_release_id  VARCHAR NOT NULL,
    province_code        VARCHAR NOT NULL,
    metric               VARCHAR NOT NULL,
    old_value            DECIMAL(38, 4),
    new_value            DECIMAL(38, 4),
    PRIMARY KEY (release_id, province_code, metric)
);

-- Every reviewer's decision, approvals and rejections alike, copied from Airflow's human-in-the-loop
-- response (Airflow's own database is not an audit store). One per DAG run.
CREATE TABLE IF NOT EXISTS core.release_decisions (
    dag_run_id      VARCHAR PRIMARY KEY,
    report_type     VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,
    decision        VARCHAR NOT NULL,   -- approved, approved anyway, rejected, refused
    decided_by      VARCHAR NOT NULL,
    decided_at      TIMESTAMP NOT NULL,
    comment         VARCHAR NOT NULL,
    conditions_met  BOOLEAN NOT NULL,
    content_sha256  VARCHAR NOT NULL,   -- of the candidate the reviewer saw
    release_id      VARCHAR,            -- the release it published, or that already held the same content
    note            VARCHAR NOT NULL
);
