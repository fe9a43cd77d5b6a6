-- A reviewer's confirmation of a review flag (`cli review confirm`): the figure was checked and is
-- right as reported, so it is no longer under review and counts in the headline national figure
-- again. Keyed as the flag is (the file, the unit, the metric, the rule): a new file brings a new
-- figure, which needs a confirmation of its own. Its own file, created IF NOT EXISTS, so a
-- warehouse made before it gains it at its next load (or at the first confirmation).
CREATE TABLE IF NOT EXISTS core.flag_confirmations (
    submission_id  VARCHAR NOT NULL,
    org_unit_code  VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,
    rule           VARCHAR NOT NULL,
    confirmed_by   VARCHAR NOT NULL,
    comment        VARCHAR NOT NULL,
    confirmed_at   TIMESTAMP NOT NULL,   -- UTC
    PRIMARY KEY (submission_id, org_unit_code, metric, rule)
);
