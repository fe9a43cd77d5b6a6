-- The review thresholds of each report type: the optional `review:` section of the report types'
-- declarations (expectations/<report type>/), with the defaults load.py gives where a report type
-- declares none; refreshed on every load like core.report_types. Its own file, created IF NOT
-- EXISTS, so a warehouse made before it gains it at its next load.
CREATE TABLE IF NOT EXISTS core.review_rules (
    report_type           VARCHAR NOT NULL,
    rule                  VARCHAR NOT NULL,   -- factor_of_10, robust_z
    threshold             DOUBLE PRECISION NOT NULL,   -- the factor; the robust z-score's limit
    min_previous_periods  INTEGER NOT NULL,   -- the history a figure needs before the rule applies
    PRIMARY KEY (report_type, rule)
);
