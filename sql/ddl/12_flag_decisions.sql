-- A central reviewer's decision on a review flag (`cli review clear|return`): `cleared`, the figure
-- is right as reported (explained or checked) and counts in the headline national figure again;
-- `returned`, the file is sent back to its province, which counts as missing from the national
-- totals until a corrected file arrives. Keyed as the flag is (the file, the unit, the metric, the
-- rule): one decision per flag, final; a corrected file brings new figures and flags of its own.
-- Only ever inserted: nothing updates or deletes a decision. It replaces core.flag_confirmations
-- (`cli review confirm`, which meant what `cleared` means; no production warehouse held any).
CREATE TABLE IF NOT EXISTS core.flag_decisions (
    submission_id  VARCHAR NOT NULL,
    org_unit_code  VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,
    rule           VARCHAR NOT NULL,
    decision       VARCHAR NOT NULL CHECK (decision IN ('cleared', 'returned')),
    note           VARCHAR NOT NULL,
    decided_by     VARCHAR NOT NULL,
    decided_at     TIMESTAMP NOT NULL,   -- UTC
    PRIMARY KEY (submission_id, org_unit_code, metric, rule)
);
