"""Security: keys that climb out or cross into another province's prefix are refused by both
stores; exports a person opens in a spreadsheet carry no live formula; nothing from a submission
is ever pasted into SQL; and planted secrets (the PostgreSQL password, the S3 secret key) reach
no log and no result of a real Airflow run."""

from __future__ import annotations

import csv
import io
import subprocess
import traceback
import uuid
from pathlib import Path

import openpyxl
import pytest
from corpus.build import FILES
from test_s3 import moto_endpoint, s3  # noqa: F401  (fixtures)

from airflow_harness import AIRFLOW, airflow_env
from provincial_reports import cli, pipeline
from provincial_reports.land import Arrival, read_landed
from provincial_reports.stores import warehouse
from provincial_reports.stores.local import LocalStore
from provincial_reports.stores.s3 import S3Store
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows
from provincial_reports.tools.export import FORMULA_TRIGGERS, neutralised

# --- keys ------------------------------------------------------------------------------------------

UNSAFE_KEYS = [
    "../outside.csv",
    "/etc/passwd",
    "360000/../110000/2025-01/beijing.csv",
    "360000/2025-01/../../110000/2025-01/beijing.csv",
    "360000//2025-01/a.csv",
    "./360000/2025-01/a.csv",
    "",
]


@pytest.fixture(params=["local", "s3"])
def landing(request: pytest.FixtureRequest, tmp_path: Path):
    """A landing zone with one file of Jiangxi's and one of Beijing's, on either backend."""
    if request.param == "local":
        store = LocalStore(tmp_path / "landing")
    else:
        request.getfixturevalue("s3")
        store = S3Store("s3://landing-bucket/incoming")
    store.write("360000/2025-01/jiangxi.csv", b"jiangxi")
    store.write("110000/2025-01/beijing.csv", b"beijing")
    return store


@pytest.mark.parametrize("key", UNSAFE_KEYS)
def test_keys_with_dot_dot_absolute_or_empty_segments_are_refused(landing, key):
    for use in (landing.read, landing.location, lambda k: landing.write(k, b"x"), landing.within):
        with pytest.raises(ValueError, match="refusing storage key"):
            use(key)
    assert landing.read("110000/2025-01/beijing.csv") == b"beijing"


@pytest.mark.parametrize("key", ["../110000/2025-01/beijing.csv", "2025-01/../../110000/2025-01/beijing.csv"])
def test_a_provinces_view_cannot_reach_outside_its_prefix(landing, key):
    jiangxi = landing.within("360000")
    assert jiangxi.read("2025-01/jiangxi.csv") == b"jiangxi"
    assert [o.key for o in jiangxi.list()] == ["2025-01/jiangxi.csv"]
    with pytest.raises(ValueError, match="refusing storage key"):
        jiangxi.read(key)
    with pytest.raises(ValueError, match="refusing storage key"):
        jiangxi.write(key, b"overwritten")
    assert landing.read("110000/2025-01/beijing.csv") == b"beijing"


def test_an_arrival_claiming_another_provinces_file_is_refused(landing):
    """Arrivals travel through XCom; one whose province and source disagree reads nothing."""
    forged = Arrival("id", "110000/2025-01/beijing.csv", "0" * 64, 7, "2025-02-03T00:00:00+00:00",
                     "360000", "2025-01", "beijing.csv", None)  # fmt: skip
    with pytest.raises(ValueError, match="outside the prefix of province 360000"):
        read_landed(landing, forged)
    honest = Arrival(**{**forged.to_dict(), "province_code": "110000"})
    assert read_landed(landing, honest) == b"beijing"


def test_a_forged_arrival_is_refused_on_the_records_path_too(landing, monkeypatch, tmp_path):
    """Records are read as files, not bytes: through the same province view."""
    landing.write("110000/2025-01/records.csv", b"period,org_unit_code,beneficiary_id\n")
    url = str(landing.root) if isinstance(landing, LocalStore) else f"s3://{landing.bucket}/{landing.prefix}"
    monkeypatch.setenv("REPORTS_LANDING", url)
    monkeypatch.setenv("REPORTS_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", "a-test-key-of-sixteen-bytes-or-more")
    forged = Arrival("id", "110000/2025-01/records.csv", "0" * 64, 7, "2025-02-03T00:00:00+00:00",
                     "360000", "2025-01", "records.csv", None)  # fmt: skip
    with pytest.raises(ValueError, match="outside the prefix of province 360000"):
        pipeline.process(forged.to_dict())


def test_a_symbolic_link_out_of_a_local_store_is_neither_listed_nor_read(tmp_path):
    (tmp_path / "secret.txt").write_text("not for the pipeline")
    store = LocalStore(tmp_path / "landing")
    store.write("360000/2025-01/a.csv", b"a")
    (tmp_path / "landing/360000/2025-01/link.csv").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "landing/110000").symlink_to(tmp_path, target_is_directory=True)
    assert [o.key for o in store.list()] == ["360000/2025-01/a.csv"]
    for key in ("360000/2025-01/link.csv", "110000/secret.txt"):
        with pytest.raises(ValueError, match="leads outside"):
            store.read(key)


# --- a file claiming another province ------------------------------------------------------------------


def test_a_file_claiming_another_province_is_rejected_and_changes_nothing_there(workspace):
    upload(workspace.landing, "110000/2025-01/beijing.csv", csv_bytes(WINTER_WARMTH, valid_rows("110000")))
    upload(workspace.landing, "360000/2025-01/as-beijing.csv", csv_bytes(WINTER_WARMTH, valid_rows("110000")), minute=5)
    answers = {a["source"]: a for a in map(pipeline.process, pipeline.discover())}
    pipeline.load(list(answers.values()))
    claimed = answers["360000/2025-01/as-beijing.csv"]
    assert claimed["outcome"] == "rejected"
    assert any("must be the 6-digit code of this province" in f for f in claimed["failures"])
    db = connect(workspace.warehouse_url)
    try:
        figures = db.query("SELECT province_code, source FROM mart.province_figures WHERE metric = 'funds_total'")
    finally:
        db.close()
    assert figures == [{"province_code": "110000", "source": "110000/2025-01/beijing.csv"}]


# --- exports -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =HYPERLINK(1)"])
def test_a_cell_a_spreadsheet_would_evaluate_is_neutralised(text):
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("value", ["江西省总工会", "4,820", "a=b", "", None, -3, 4820.5])
def test_other_cells_are_left_as_they_are(value):
    assert neutralised(value) == value


FORMULA_NAMES = ["=1+2.csv", "+1.csv", "-1.csv", "@SUM(A1).csv"]  # unplaced: their source starts with a trigger


def triggers(text: str) -> bool:
    return text.lstrip(" ").startswith(FORMULA_TRIGGERS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_is_free_of_live_formulas(workspace, tmp_path, fmt):
    upload(workspace.landing, "360000/2025-01/names.csv", (FILES / "injection-names.csv").read_bytes())
    for name in FORMULA_NAMES:
        upload(workspace.landing, name, b"=cmd|' /C calc'!A0")
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    assert cli.main(["export", str(tmp_path / "out"), "--format", fmt]) == 0

    cells = []
    for path in sorted((tmp_path / "out").iterdir()):
        cells += csv_cells(path) if fmt == "csv" else xlsx_cells(path)
    texts = [c for c in cells if isinstance(c, str)]
    assert [c for c in texts if triggers(c)] == []
    assert """'=HYPERLINK("http://example.invalid","南昌")""" in texts
    assert {f"'{name}" for name in FORMULA_NAMES} <= set(texts)


def csv_cells(path: Path) -> list[object]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def xlsx_cells(path: Path) -> list[object]:
    sheet = openpyxl.load_workbook(path).active
    found = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    return [c.value for c in found]


# --- SQL -----------------------------------------------------------------------------------------------

MARK = "Zq9X"


@pytest.fixture
def sql_sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the pipeline hands to either engine, and every table/column list of a bulk load."""
    sent: list[str] = []
    for cls in (warehouse.DuckDBWarehouse, warehouse.PostgresWarehouse):
        for method in ("execute", "query", "insert_arrow"):
            original = getattr(cls, method)

            def recording(self, sql, params=(), _original=original):
                sent.append(sql if isinstance(sql, str) else repr(sql))
                if hasattr(params, "column_names"):
                    sent.append(", ".join(params.column_names))
                return _original(self, sql, params)

            monkeypatch.setattr(cls, method, recording)
    return sent


def test_nothing_from_a_submission_is_pasted_into_sql(workspace, sql_sent, tmp_path):
    bad = f"{MARK}'); DROP TABLE core.figures; --"
    rows = valid_rows("360000")
    rows[0]["org_unit_name"] = bad
    rows[1]["org_unit_name"] = f'{MARK}" OR 1=1 --'
    upload(
        workspace.landing,
        f"360000/2025-01/{MARK}'; DELETE FROM ingest.submissions; --.csv",
        csv_bytes(WINTER_WARMTH, rows),
    )
    header = f"报告期,单位代码,{MARK}\"; DROP SCHEMA mart CASCADE; --\r\n2025-01,{MARK}',1\r\n".encode()
    upload(workspace.landing, "110000/2025-01/odd-header.csv", header, minute=1)
    upload(workspace.landing, f"{MARK}'--/2025-01/x.csv", b"x", minute=2)  # not a province folder
    answers = [pipeline.process(a) for a in pipeline.discover()]
    pipeline.load(answers)
    pipeline.summarize(answers)
    cli.main(["export", str(tmp_path / "out")])

    assert sql_sent, "the recorder saw the pipeline's SQL"
    assert [sql for sql in sql_sent if MARK in sql] == []
    db = connect(workspace.warehouse_url)
    try:
        names = {r["org_unit_name"] for r in db.query("SELECT DISTINCT org_unit_name FROM core.figures")}
        sources = [r["source"] for r in db.query("SELECT source FROM mart.submissions")]
    finally:
        db.close()
    assert names == {bad, f'{MARK}" OR 1=1 --'}  # stored exactly, as bound values
    assert len(sources) == 3 and all(MARK in s or s.startswith("110000/") for s in sources)


# --- secrets -----------------------------------------------------------------------------------------


def test_planted_secrets_reach_no_log_and_no_result(
    airflow_home,
    s3,  # noqa: F811
    postgres_database,
    tmp_path,
    monkeypatch,
    capsys,
):
    """A real Airflow run with the warehouse password in REPORTS_WAREHOUSE and the S3 secret in the
    environment, every log at DEBUG; then `show`, `export` and a failed connection. Neither secret
    may appear in any output, log, lake object, export or warehouse row."""
    password, aws_secret = f"pw-{uuid.uuid4().hex}", f"aws-{uuid.uuid4().hex}"
    warehouse_url = postgres_database.replace("postgres@", f"postgres:{password}@", 1)
    assert password in warehouse_url
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws_secret)
    monkeypatch.setenv("REPORTS_LANDING", "s3://landing-bucket/incoming")
    monkeypatch.setenv("REPORTS_LAKE", "s3://lake-bucket/lake")
    monkeypatch.setenv("REPORTS_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("REPORTS_WAREHOUSE", warehouse_url)
    for code in ("110000", "360000"):
        s3.put_object(
            Bucket="landing-bucket",
            Key=f"incoming/{code}/2025-01/r.csv",
            Body=csv_bytes(WINTER_WARMTH, valid_rows(code)),
        )
    s3.put_object(Bucket="landing-bucket", Key="incoming/360000/2025-01/bad.csv", Body=b"not a report")

    env = airflow_env(airflow_home, AIRFLOW__LOGGING__LOGGING_LEVEL="DEBUG")
    run = subprocess.run([str(AIRFLOW), "dags", "test", "consolidate_provincial_reports"], env=env,
                         capture_output=True, text=True)  # fmt: skip
    outputs = [run.stdout, run.stderr]
    assert run.returncode == 0 and "state=success" in run.stdout + run.stderr, (run.stdout + run.stderr)[-3000:]
    assert cli.main(["show"]) == 0
    assert cli.main(["export", str(tmp_path / "exports"), "--format", "xlsx"]) == 0
    assert cli.main(["export", str(tmp_path / "exports"), "--format", "csv"]) == 0
    monkeypatch.setenv("REPORTS_WAREHOUSE", warehouse_url.replace(":5432/", ":1/"))
    with pytest.raises(Exception) as failed:
        pipeline.discover()
    outputs += ["".join(traceback.format_exception(failed.value)), *capsys.readouterr()]

    db = connect(warehouse_url)
    try:
        outputs += [
            repr(db.query("SELECT * FROM mart.submissions")),
            repr(db.query("SELECT * FROM ingest.submissions")),
        ]
    finally:
        db.close()
    places = {f"output {i}": text.encode() for i, text in enumerate(outputs)}
    places |= {str(p): p.read_bytes() for p in [*airflow_home.rglob("*"), *tmp_path.rglob("*")] if p.is_file()}
    for bucket in ("landing-bucket", "lake-bucket"):
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            places[f"s3://{bucket}/{item['Key']}"] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    assert any(key.startswith("s3://lake-bucket/lake/validation/") for key in places), "the run wrote its results"
    assert len(places) > 10
    for secret in (password, aws_secret):
        assert [where for where, data in places.items() if secret.encode() in data] == []
