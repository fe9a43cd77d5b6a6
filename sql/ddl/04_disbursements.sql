-- Beneficiary-level payment records of accepted relief_disbursements files, one row per payment.
-- No identity number: the beneficiary is a keyed pseudonym (HMAC-SHA-256, 128 bits, hex), with
-- the birth year and sex read off the number before it was dropped.
CREATE TABLE IF NOT EXISTS core.disbursements (
    submission_id          VARCHAR NOT NULL,
    source_row             BIGINT NOT NULL,
    period                 VARCHAR NOT NULL,
    org_unit_code          VARCHAR NOT NULL,
    beneficiary_pseudonym  VARCHAR NOT NULL,
    birth_year             SMALLINT NOT NULL,
    sex                    VARCHAR NOT NULL CHECK (sex IN ('male', 'female')),
    beneficiary_category   VARCHAR NOT NULL,
    amount_yuan            DECIMAL(14, 2) NOT NULL,
    paid_on                DATE NOT NULL
    -- No primary key: (submission_id, source_row) is unique by construction (one load per
    -- submission, one row per source row), and an index over millions of rows costs more
    -- time and memory than the whole load.
);

-- The beneficiary categories declared in the `records:` section of the report types' declarations
-- (expectations/<report type>/), and what each reconciles with in the summary report: refreshed
-- whenever records are loaded.
CREATE TABLE IF NOT EXISTS core.beneficiary_categories (
    report_type          VARCHAR NOT NULL,
    category             VARCHAR NOT NULL,
    label_zh             VARCHAR NOT NULL,
    summary_report_type  VARCHAR NOT NULL,
    summary_metric       VARCHAR NOT NULL,
    funds_metric         VARCHAR NOT NULL,
    count_tolerance      DECIMAL(6, 4) NOT NULL,
    PRIMARY KEY (report_type, category)
);
