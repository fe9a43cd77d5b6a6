"""S3 as the landing zone and the lake, against moto's server over real HTTP.

The store is exercised exactly as in production: boto3 finds the endpoint and credentials in the
environment (AWS_ENDPOINT_URL and friends, as for MinIO), nothing in boto3 is patched.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from airflow_harness import run_dag
from conftest import KEY, Workspace, free_port
from provincial_reports import pipeline
from provincial_reports.stores.local import LocalStore
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.s3 import S3Store
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes
from provincial_reports.tools.builders.relief_disbursements import RECORDS, records
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows
from provincial_reports.tools.province_access import policy_for, user_name

REGION = "us-east-1"
# S3 stamps an object with the moment it is put, the file's arrival: this month's files are never late
# (a file for an old period put now would be past its lock, winter_warmth's lock_after_days).
THIS_MONTH = f"{datetime.now(UTC):%Y-%m}"
S3_WORKSPACE = {
    "landing": "s3://landing-bucket/incoming",
    "lake": "s3://lake-bucket/lake",
    "outbox": "s3://outbox-bucket",  # at the bucket's root, as the generated policies expect it
}


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """One S3 server for the module; each test empties it (see `s3`)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A boto3 client on an empty server, with the endpoint and credentials in the environment
    only, as a MinIO deployment would set them; ~/.aws and instance metadata are kept out."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("s3")
    for bucket in ("landing-bucket", "lake-bucket", "outbox-bucket"):
        client.create_bucket(Bucket=bucket)
    return client


@pytest.fixture
def s3_pipeline(s3, warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Landing and lake on S3, the warehouse of the test's own on each engine; its URL."""
    monkeypatch.setenv("REPORTS_LANDING", S3_WORKSPACE["landing"])
    monkeypatch.setenv("REPORTS_LAKE", S3_WORKSPACE["lake"])
    monkeypatch.setenv("REPORTS_OUTBOX", S3_WORKSPACE["outbox"])
    monkeypatch.setenv("REPORTS_WAREHOUSE", warehouse_url)
    return warehouse_url


def run_once() -> list[dict]:
    answers = [pipeline.process(a) for a in pipeline.discover()]
    pipeline.load(answers)
    return answers


def query(warehouse_url: str, sql: str, params: tuple = ()) -> list[dict]:
    warehouse = connect(warehouse_url)
    try:
        return warehouse.query(sql, params)
    finally:
        warehouse.close()


def lake_keys(s3) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="lake-bucket", Prefix="lake/")
    return {item["Key"].removeprefix("lake/") for page in pages for item in page.get("Contents", [])}


def test_open_store_picks_the_backend_by_url(tmp_path):
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    store = open_store("s3://bucket/some/prefix/")
    assert isinstance(store, S3Store)
    assert store.location("360000/2025-01/a.csv") == "s3://bucket/some/prefix/360000/2025-01/a.csv"
    assert open_store("s3://bucket").location("a.csv") == "s3://bucket/a.csv"
    assert open_store("s3://bucket/").location("a.csv") == "s3://bucket/a.csv"  # as docker-compose.yaml sets it
    with pytest.raises(ValueError):
        open_store("s3:///prefix-without-bucket")


def test_write_list_read_round_trip(s3):
    store = open_store("s3://lake-bucket/lake")
    before = datetime.now(UTC).replace(microsecond=0)
    store.write("360000/2025-01/a.csv", b"first")
    store.write("320000/2025-01/b.csv", "第二".encode())
    listed = {o.key: o for o in store.list()}
    assert set(listed) == {"360000/2025-01/a.csv", "320000/2025-01/b.csv"}
    assert listed["320000/2025-01/b.csv"].size == len("第二".encode())
    modified = listed["360000/2025-01/a.csv"].modified
    assert modified.tzinfo is not None and modified >= before
    assert store.read("360000/2025-01/a.csv") == b"first"
    assert store.read("320000/2025-01/b.csv").decode() == "第二"
    assert store.location("360000/2025-01/a.csv") == "s3://lake-bucket/lake/360000/2025-01/a.csv"
    assert s3.get_object(Bucket="lake-bucket", Key="lake/360000/2025-01/a.csv")["Body"].read() == b"first"


def test_keys_are_relative_to_the_prefix_and_only_under_it(s3):
    for key in (
        "incoming/360000/2025-01/a.csv",
        "incoming/readme.csv",
        "incoming/360000/",  # a folder marker
        "incoming-old/360000/2025-01/x.csv",
        "elsewhere/y.csv",
    ):
        s3.put_object(Bucket="landing-bucket", Key=key, Body=b"x")
    assert sorted(o.key for o in open_store("s3://landing-bucket/incoming").list()) == [
        "360000/2025-01/a.csv",
        "readme.csv",
    ]
    assert sorted(o.key for o in open_store("s3://landing-bucket/incoming/").list()) == [
        "360000/2025-01/a.csv",
        "readme.csv",
    ]
    assert len(list(open_store("s3://landing-bucket").list())) == 4


def test_listing_pages_past_a_thousand_objects(s3):
    for i in range(1005):
        s3.put_object(Bucket="landing-bucket", Key=f"many/{i:04d}.csv", Body=b"")
    store = open_store("s3://landing-bucket/many")
    requests = []
    store.client.meta.events.register("after-call.s3.ListObjectsV2", lambda **kw: requests.append(kw))
    keys = [o.key for o in store.list()]
    assert len(requests) == 2, "S3 returns at most 1,000 keys a request"
    assert len(keys) == 1005 and len(set(keys)) == 1005
    assert "1004.csv" in keys


@pytest.mark.parametrize(
    "key",
    ["../outside.csv", "360000/../../outside.csv", "/absolute.csv", "360000//a.csv", "360000/2025-01/", "./a.csv", ""],
)
def test_keys_that_could_leave_the_prefix_are_refused(s3, key):
    store = open_store("s3://lake-bucket/lake")
    with pytest.raises(ValueError, match="refusing storage key"):
        store.write(key, b"x")
    with pytest.raises(ValueError, match="refusing storage key"):
        store.read(key)
    assert "Contents" not in s3.list_objects_v2(Bucket="lake-bucket")


def test_a_dotted_file_name_is_still_a_key(s3):
    store = open_store("s3://lake-bucket/lake")
    store.write("360000/2025-01/report..v2.csv", b"x")
    assert store.read("360000/2025-01/report..v2.csv") == b"x"


def test_credentials_fall_back_to_the_airflow_connection(s3, moto_endpoint, monkeypatch):
    """No AWS variables at all: the endpoint, region and keys come from `aws_default`."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "airflow-access-key",
                "password": "airflow-secret-key",
                "extra": {"endpoint_url": moto_endpoint, "region_name": REGION},
            }
        ),
    )
    store = open_store("s3://lake-bucket/lake")
    store.write("a.csv", b"via airflow")
    assert store.read("a.csv") == b"via airflow"
    assert store.client.meta.endpoint_url == moto_endpoint


def test_the_pipeline_runs_with_landing_and_lake_on_s3(s3, s3_pipeline, moto_endpoint):
    provinces = ("360000", "320000", "440000")
    for code in provinces:
        s3.put_object(
            Bucket="landing-bucket",
            Key=f"incoming/{code}/{THIS_MONTH}/x.csv",
            Body=csv_bytes(WINTER_WARMTH, valid_rows(code, THIS_MONTH)),
        )
    s3.put_object(Bucket="landing-bucket", Key="incoming/readme.csv", Body=b"please read me")

    answers = {a["source"]: a for a in run_once()}

    assert set(answers) == {f"{code}/{THIS_MONTH}/x.csv" for code in provinces} | {"readme.csv"}
    (row,) = query(
        s3_pipeline, "SELECT * FROM mart.national_totals WHERE period = ? AND metric = 'funds_total'", (THIS_MONTH,)
    )
    assert row["provinces_reported"] == len(provinces)
    assert not set(provinces) & set(row["provinces_missing"])

    in_lake = lake_keys(s3)
    for code in provinces:
        answer = answers[f"{code}/{THIS_MONTH}/x.csv"]
        assert answer["outcome"] == "accepted"
        assert answer["parquet_location"].startswith(
            f"parquet/report_type=winter_warmth/period={THIS_MONTH}/province_code={code}/"
        )
        assert {answer["parquet_location"], answer["result_location"], answer["raw_location"]} <= in_lake

    readme = answers["readme.csv"]
    assert readme["outcome"] == "rejected" and readme["parquet_location"] is None
    assert "province code" in readme["failures"][0]
    assert readme["result_location"].startswith("validation/_unplaced/") and readme["result_location"] in in_lake
    ledger = query(s3_pipeline, "SELECT status, reason FROM mart.submissions WHERE source = 'readme.csv'")
    assert ledger[0]["status"] == "rejected" and "province code" in ledger[0]["reason"]

    assert pipeline.discover() == []
    pipeline.reply()
    assert_each_province_reads_its_own_receipts_and_no_other(s3, moto_endpoint, answers, ("360000", "320000"))


def assert_each_province_reads_its_own_receipts_and_no_other(s3, endpoint: str, answers: dict, codes: tuple) -> None:
    """Each province logs in with a user carrying its generated policy (deploy/minio/policies) and
    reads its receipt; another province's is refused, as is writing to the outbox. moto's IAM
    enforces actions on objects; it does not evaluate the listing's prefix condition, which
    test_deploy.py checks as written."""
    iam = boto3.client("iam")
    keys = {}
    for code in codes:
        user = user_name(code)
        iam.create_user(UserName=user)
        policy = policy_for(code, bucket="landing-bucket", outbox="outbox-bucket")
        iam.put_user_policy(UserName=user, PolicyName=user, PolicyDocument=json.dumps(policy))
        keys[code] = iam.create_access_key(UserName=user)["AccessKey"]
    receipts = {
        code: f"{code}/{THIS_MONTH}/receipts/{answers[f'{code}/{THIS_MONTH}/x.csv']['submission_id']}.json"
        for code in codes
    }
    set_auth(endpoint, "0")  # from here on, every request is checked against its user's policies
    try:
        for code, other in zip(codes, reversed(codes), strict=True):
            client = boto3.client(
                "s3", aws_access_key_id=keys[code]["AccessKeyId"], aws_secret_access_key=keys[code]["SecretAccessKey"]
            )
            receipt = json.loads(client.get_object(Bucket="outbox-bucket", Key=receipts[code])["Body"].read())
            assert (receipt["province_code"], receipt["status"]) == (code, "accepted")
            with pytest.raises(ClientError, match="AccessDenied"):
                client.get_object(Bucket="outbox-bucket", Key=receipts[other])
            with pytest.raises(ClientError, match="AccessDenied"):
                client.put_object(Bucket="outbox-bucket", Key=receipts[code], Body=b"{}")
    finally:
        set_auth(endpoint, "inf")


def set_auth(endpoint: str, unchecked_requests: str) -> None:
    """moto checks credentials and policies after this many more requests ("inf": never, its default)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=unchecked_requests.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},  # moto reads the count from the request's body as it is
    )
    urllib.request.urlopen(request).close()


def test_with_the_lake_on_s3_the_site_says_the_raw_files_are_not_copied_into_it(s3, tmp_path, monkeypatch):
    """The report site is local; a raw file stays in an S3 lake and its record says so (one engine:
    the warehouse plays no part)."""
    for name, value in (
        *S3_WORKSPACE.items(),
        ("warehouse", f"duckdb:///{tmp_path}/w.db"),
        ("site", tmp_path / "site"),
    ):
        monkeypatch.setenv(f"REPORTS_{name.upper()}", str(value))
    body = csv_bytes(WINTER_WARMTH, valid_rows("360000"))
    s3.put_object(Bucket="landing-bucket", Key="incoming/360000/2025-01/x.csv", Body=body)
    run_once()
    pipeline.report()
    january = (tmp_path / "site" / "winter_warmth" / "2025-01.html").read_text(encoding="utf-8")
    assert "the lake is on S3: not copied into this site" in january and "download as received" not in january
    assert not (tmp_path / "site" / "raw").exists()


def test_with_the_lake_on_s3_the_records_are_copied_into_the_warehouse(s3, s3_pipeline, monkeypatch):
    """A warehouse cannot read an S3 lake in place: on both engines the rows go into the table."""
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", KEY)
    for code, count in (("360000", 6), ("320000", 4)):
        body = csv_bytes(RECORDS, records(count, province=code))
        s3.put_object(Bucket="landing-bucket", Key=f"incoming/{code}/2025-01/records.csv", Body=body)
    assert {a["outcome"] for a in run_once()} == {"accepted"}
    kind = (
        "SELECT table_type FROM information_schema.tables WHERE table_schema = 'core' AND table_name = 'disbursements'"
    )
    assert query(s3_pipeline, kind) == [{"table_type": "BASE TABLE"}]
    assert query(s3_pipeline, "SELECT sum(payments) AS n FROM mart.disbursement_totals") == [{"n": 10}]


def test_bytes_replaced_between_discover_and_process_are_what_gets_answered(s3, s3_pipeline):
    key = "incoming/360000/2025-01/x.csv"
    first, second = (
        csv_bytes(WINTER_WARMTH, valid_rows("360000")),
        csv_bytes(WINTER_WARMTH, valid_rows("360000"), headers="en"),
    )
    s3.put_object(Bucket="landing-bucket", Key=key, Body=first)
    (arrival,) = pipeline.discover()
    assert arrival["sha256"] == hashlib.sha256(first).hexdigest()

    s3.put_object(Bucket="landing-bucket", Key=key, Body=second)
    answer = pipeline.process(arrival)

    assert answer["sha256"] == hashlib.sha256(second).hexdigest()
    assert answer["submission_id"] != arrival["submission_id"]
    assert answer["size"] == len(second)
    assert answer["outcome"] == "accepted"
    raw = s3.get_object(Bucket="lake-bucket", Key=f"lake/{answer['raw_location']}")["Body"].read()
    assert raw == second
    pipeline.load([answer])
    assert pipeline.discover() == []


def test_the_dag_runs_with_landing_and_lake_on_s3(s3, s3_pipeline, airflow_home, tmp_path):
    for code in ("360000", "440000"):
        s3.put_object(
            Bucket="landing-bucket",
            Key=f"incoming/{code}/{THIS_MONTH}/x.csv",
            Body=csv_bytes(WINTER_WARMTH, valid_rows(code, THIS_MONTH)),
        )

    log = run_dag(
        airflow_home,
        Workspace(
            S3_WORKSPACE["landing"], S3_WORKSPACE["lake"], s3_pipeline, tmp_path / "site", S3_WORKSPACE["outbox"]
        ),
    )

    assert "2 file(s): 2 accepted, 0 superseded, 0 rejected" in log
    assert {key.split("/")[0] for key in lake_keys(s3)} == {"parquet", "raw", "validation"}
    assert query(s3_pipeline, "SELECT count(*) AS n FROM mart.submissions WHERE status = 'accepted'") == [{"n": 2}]
    outbox = s3.list_objects_v2(Bucket="outbox-bucket")["Contents"]
    receipts = [o["Key"] for o in outbox if o["Key"].endswith(".json") and "/receipts/" in o["Key"]]
    assert sorted(key.split("/")[0] for key in receipts) == ["360000", "440000"], "the reply task wrote them"


def test_the_landing_watch_fires_for_a_new_object_and_not_again_for_the_same_listing(s3, monkeypatch):
    """land_watch.py over S3: one LIST per poll; a new object fires, an unchanged listing does not."""
    from test_land_watch import settled, watching

    from provincial_reports.land_watch import LandingWatch

    monkeypatch.setenv("REPORTS_LANDING", S3_WORKSPACE["landing"])
    with watching(LandingWatch(poll_seconds=0.1)) as fired:
        assert settled(fired, 0) == []
        body = csv_bytes(WINTER_WARMTH, valid_rows("110000"))
        s3.put_object(Bucket="landing-bucket", Key="incoming/110000/2025-01/a.csv", Body=body)
        s3.put_object(Bucket="landing-bucket", Key="incoming/110000/2025-01/.a.csv.part", Body=body)
        assert settled(fired, 1) == [{"new_versions": 1}]
