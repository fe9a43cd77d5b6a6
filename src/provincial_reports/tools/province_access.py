"""Who may write where in the landing zone, and read what in the outbox: one MinIO user and one IAM
policy per province.

Each province uploads under its own prefix `<province code>/` of the landing bucket (land.py reads
the province off that prefix), and reads its receipts and status documents under the same prefix of
the outbox bucket (reply/). Object storage must enforce the same boundary, or one province could
overwrite or read another's submissions, or read another's answers. The policies are generated from
expectations/provinces.yaml so that the list of provinces exists in one place; the generated
files are committed under deploy/minio/ so that operators review exactly what MinIO applies, and
tests/test_deploy.py fails when they drift from this module.

    python -m provincial_reports.tools.province_access write deploy/minio/policies
    python -m provincial_reports.cli access mc-script > deploy/minio/create-province-users.sh
"""

from __future__ import annotations

import json
from pathlib import Path

from provincial_reports.declarations import Province, provinces

LANDING_BUCKET = "landing"
LAKE_BUCKET = "lake"
OUTBOX_BUCKET = "outbox"
PIPELINE_POLICY = "reports-pipeline"
POLICY_VERSION = "2012-10-17"  # the IAM policy language version, not a date of ours


def user_name(province_code: str) -> str:
    """The MinIO access key a province logs in with: readable in MinIO's audit log."""
    return f"province-{province_code}"


def password_variable(province_code: str) -> str:
    """The environment variable holding a province's secret key; the secret itself is never in the repo."""
    return f"PROVINCE_{province_code}_PASSWORD"


def policy_for(province_code: str, bucket: str = LANDING_BUCKET, outbox: str = OUTBOX_BUCKET) -> dict:
    """The province's IAM policy: upload and read back under `<code>/` of the landing bucket, read
    its answers under `<code>/` of the outbox, and list only those two prefixes.

    s3:GetObject is granted on the province's own objects because confirming an upload needs it:
    S3 authorises HEAD (`mc stat`, `aws s3api head-object`, the size/ETag check upload tools do)
    and downloads with s3:GetObject, and a province must be able to see exactly what the national
    federation holds under its name when a file is disputed or rejected. It exposes nothing but
    the province's own submissions. No delete: a submission, once received, stays on record;
    a correction is a new upload (land.py treats new bytes under an old name as a new version).
    The outbox is read-only to the province: only the pipeline writes receipts.

    Only declared province codes are accepted, so a typo or a wildcard can never become a policy.
    """
    if province_code not in provinces():
        raise ValueError(f"{province_code!r} is not a declared province code")
    own_objects = f"arn:aws:s3:::{bucket}/{province_code}/*"
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            _list_own_prefix("ListOwnPrefixOnly", bucket, province_code),
            {
                "Sid": "UploadOwnReports",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": [own_objects],
            },
            {
                "Sid": "ReadBackOwnReports",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [own_objects],
            },
            _list_own_prefix("ListOwnOutboxOnly", outbox, province_code),
            {
                "Sid": "ReadOwnReceipts",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{outbox}/{province_code}/*"],
            },
        ],
    }


def _list_own_prefix(sid: str, bucket: str, province_code: str) -> dict:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}"],
        "Condition": {"StringLike": {"s3:prefix": [f"{province_code}/*", f"{province_code}/"]}},
    }


def pipeline_policy(landing: str = LANDING_BUCKET, lake: str = LAKE_BUCKET, outbox: str = OUTBOX_BUCKET) -> dict:
    """The pipeline's IAM policy: read the whole landing zone, read and write the lake and the
    outbox, delete nothing.

    Airflow runs with these credentials rather than MinIO's root user, so a bug or a compromised
    task can neither touch the provinces' uploads nor administer MinIO.
    """
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "ListTheBuckets",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{landing}", f"arn:aws:s3:::{lake}", f"arn:aws:s3:::{outbox}"],
            },
            {
                "Sid": "ReadSubmissions",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{landing}/*"],
            },
            {
                "Sid": "ReadAndWriteLake",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{lake}/*"],
            },
            {
                "Sid": "WriteReceipts",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{outbox}/*"],
            },
        ],
    }


def policy_json(policy: dict) -> str:
    """One stable text form, so regenerating a policy is byte-identical and drift shows in a diff."""
    return json.dumps(policy, indent=2, ensure_ascii=False) + "\n"


def write_policies(folder: Path) -> list[Path]:
    """`<code>.json` for every declared province in `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code in provinces():
        path = folder / f"{code}.json"
        path.write_text(policy_json(policy_for(code)), encoding="utf-8")
        written.append(path)
    return written


def _province_commands(province: Province) -> list[str]:
    code, user = province.code, user_name(province.code)
    variable = password_variable(code)
    return [
        f"# {code} {province.name_zh} {province.name_en}",
        f'mc admin user add local {user} "${variable}" >/dev/null',
        f'mc admin policy create local {user} "$POLICIES/{code}.json" >/dev/null',
        f"attach {user} {user}",
        f'echo "{user}: may write {LANDING_BUCKET}/{code}/, read {OUTBOX_BUCKET}/{code}/"',
        "",
    ]


def _script_head(required: list[str]) -> str:
    """Everything before the users: the environment it needs, the checks, the buckets."""
    required_list = " \\\n    ".join(required)
    return f"""\
#!/bin/sh
# GENERATED by `python -m provincial_reports.cli access mc-script`: do not edit by hand.
#
# Creates the buckets, the pipeline's user and one user per province with its policy. Run by the
# minio-init service of docker-compose.yaml; operators can run it against any MinIO with `mc`.
# Idempotent: re-running it (after rotating a password) updates secrets and policies in place.
#
# Environment (secrets are referenced, never written here nor echoed):
#   MINIO_URL                                    default http://minio:9000
#   MINIO_ROOT_USER, MINIO_ROOT_PASSWORD         the MinIO administrator
#   REPORTS_S3_ACCESS_KEY, REPORTS_S3_SECRET_KEY the pipeline's credentials (Airflow's AWS_* variables)
#   PROVINCE_<code>_PASSWORD                     one secret key per province, at least 8 characters
#   POLICIES                                     folder of <code>.json, default /policies
set -eu

MINIO_URL="${{MINIO_URL:-http://minio:9000}}"
POLICIES="${{POLICIES:-/policies}}"

# Every secret is checked first: a missing one stops the script before it changes anything.
missing=""
for variable in \\
    {required_list}; do
    eval "value=\\${{$variable:-}}"
    [ -n "$value" ] || missing="$missing $variable"
done
if [ -n "$missing" ]; then
    echo "not set:$missing" >&2
    exit 1
fi

mc alias set local "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

# MinIO reports an attachment that is already in place as an error; on a re-run that is expected.
attach() {{
    if ! output=$(mc admin policy attach local "$1" --user "$2" 2>&1); then
        case "$output" in
            *"already in effect"*) ;;
            *) echo "$output" >&2; exit 1 ;;
        esac
    fi
}}

mc mb --ignore-existing local/{LANDING_BUCKET} local/{LAKE_BUCKET} local/{OUTBOX_BUCKET}
"""


def mc_script() -> str:
    """The shell script minio-init runs, as text: mc commands for the buckets and every user."""
    required = ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "REPORTS_S3_ACCESS_KEY", "REPORTS_S3_SECRET_KEY"]
    required += [password_variable(code) for code in provinces()]
    lines = [
        _script_head(required),
        "# The pipeline (Airflow): reads the landing zone, reads and writes the lake and the outbox, deletes nothing.",
        "policy_file=$(mktemp)",
        "cat > \"$policy_file\" <<'EOF'",
        policy_json(pipeline_policy()) + "EOF",
        f'mc admin policy create local {PIPELINE_POLICY} "$policy_file" >/dev/null',
        'rm -f "$policy_file"',
        'mc admin user add local "$REPORTS_S3_ACCESS_KEY" "$REPORTS_S3_SECRET_KEY" >/dev/null',
        f'attach {PIPELINE_POLICY} "$REPORTS_S3_ACCESS_KEY"',
        f'echo "$REPORTS_S3_ACCESS_KEY: the pipeline ({PIPELINE_POLICY})"',
        "",
        "# One user per province, allowed only under its own prefix of landing and outbox (policies/<code>.json).",
    ]
    for province in provinces().values():
        lines += _province_commands(province)
    return "\n".join(lines)
