-- Figures of accepted submissions, one row per unit and metric. value is null when the
-- province left the cell blank ("not reported", which is not zero).
CREATE TABLE IF NOT EXISTS core.figures (
    submission_id  VARCHAR NOT NULL,
    report_type    VARCHAR NOT NULL,
    period         VARCHAR NOT NULL,
    province_code  VARCHAR NOT NULL,
    org_unit_code  VARCHAR NOT NULL,
    org_unit_name  VARCHAR,
    source_row     BIGINT NOT NULL,
    metric         VARCHAR NOT NULL,
    value          DECIMAL(38, 4),
    PRIMARY KEY (submission_id, org_unit_code, metric)
);

-- The declarations, refreshed on every load: the provinces, and each report type's metrics from
-- the report types' declarations (expectations/<report type>/).
CREATE TABLE IF NOT EXISTS core.provinces (
    province_code  VARCHAR PRIMARY KEY,
    name_zh        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.metrics (
    report_type  VARCHAR NOT NULL,
    metric       VARCHAR NOT NULL,
    label_zh     VARCHAR NOT NULL,
    unit         VARCHAR NOT NULL,
    value_type   VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (report_type, metric)
);
