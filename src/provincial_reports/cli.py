"""The project's one command line: `python -m provincial_reports.cli COMMAND` (or the
`provincial-reports` script), what the Makefile and operators run. Each command's body lives in
the stage or tool it belongs to; this module only parses arguments and prints.

`show` is what `make run` and `make demo` print after Airflow ran the DAG: the latest answer of
every file, the national totals and where the validation results are. It exits non-zero when a
file in the landing zone still has no answer, which is the one thing a run must never leave.
Commands that read the warehouse never create one: a warehouse that is not there, or that no run
has loaded, is one line naming it and REPORTS_WAREHOUSE (exit 2), as is every problem `check` finds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from provincial_reports.config import redacted, settings, settings_text
from provincial_reports.land import find_new_arrivals
from provincial_reports.load.ledger import ledger_keys
from provincial_reports.report.terminal import (
    flags_table,
    releases_text,
    returned_text,
    submissions_table,
    totals_table,
)
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.warehouse import (
    SQL,
    WarehouseUnavailable,
    create_tables,
    create_views,
    opened,
    opened_for_reading,
)
from provincial_reports.tools.export import FORMATS as EXPORT_FORMATS
from provincial_reports.tools.export import MARTS as EXPORT_MARTS
from provincial_reports.tools.export import export_marts
from provincial_reports.tools.review import decide_command, list_command, undecided_flags
from provincial_reports.total import national_totals

REVIEW_VERBS = {
    "clear": "the flagged figure is right as reported: it counts in the headline again",
    "return": "send the flagged figure's file back: its province is missing until a corrected file arrives",
}
RETURNED = (
    "SELECT report_type, period, province_code, returned_reason FROM mart.completeness "
    "WHERE status = 'returned' ORDER BY report_type, period, province_code"
)


def show() -> int:
    config = settings()
    with opened_for_reading(config.warehouse) as warehouse:
        print(submissions_table(warehouse))
        print("\nNational totals (mart.national_totals):")
        print(totals_table(national_totals(warehouse)) + returned_text(warehouse.query(RETURNED)))
        print("\nOfficial figures: the latest releases (mart.releases; their figures in mart.official_totals):")
        print(releases_text(warehouse.query("SELECT * FROM mart.releases ORDER BY report_type, period")))
        print("\nReview flags awaiting a decision (mart.review_flags; `cli review clear|return FLAG --note TEXT`):")
        print(flags_table(undecided_flags(warehouse)))
        unanswered = find_new_arrivals(open_store(config.landing), ledger_keys(warehouse))
    print(f"\nValidation results (JSON, one per file): {open_store(config.lake).location('validation')}")
    print(f"Rejected files with their results:       {open_store(config.lake).location('quarantine')}")
    print(f"Warehouse:                               {redacted(config.warehouse)}")
    print(f"Provinces' receipts and status (outbox): {config.outbox}")
    print(f"Report site (open in a browser):         {Path(config.site) / 'index.html'}")
    for arrival in unanswered:
        print(f"NO ANSWER: {arrival.source}", file=sys.stderr)
    return 1 if unanswered else 0


def create_roles() -> int:
    """The PostgreSQL roles of sql/roles, in the database REPORTS_WAREHOUSE names (run as an admin)."""
    with opened(settings().warehouse) as warehouse:
        warehouse.execute((SQL / "roles" / "postgresql.sql").read_text(encoding="utf-8"))
    print("roles reports_loader, reports_bi, reports_auditor are in place")
    return 0


def export(folder: Path, fmt: str, marts: list[str]) -> int:
    """The marts as CSV or XLSX files for auditors (see export.py for why cells are neutralised)."""
    with opened_for_reading(settings().warehouse) as warehouse:
        written = export_marts(warehouse, folder, fmt, marts)
    for path in written:
        print(f"wrote {path}")
    return 0


def reply() -> int:
    """Every receipt and status document rewritten into the outbox from the warehouse (reply/outbox.py)."""
    from provincial_reports.reply.outbox import reply_to_provinces

    config = settings()
    with opened_for_reading(config.warehouse) as warehouse:
        with warehouse.transaction():  # the marts as this code makes them, as a load would leave them
            create_tables(warehouse)
            create_views(warehouse)
        written = reply_to_provinces(warehouse, open_store(config.outbox), everything=True)
    print(f"{len(written)} document(s) written to the outbox, {config.outbox}")
    return 0


def check() -> int:
    """The settings a run needs, checked before it starts (preflight.py): one line per problem."""
    from provincial_reports.preflight import problems

    found = problems(settings())
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    return 2 if found else 0


def run_dag(dag_id: str, runs: Path, logical_date: str | None) -> int:
    """One run under `airflow dags test` with its progress, its log kept under `runs` (tools/dag_run.py)."""
    from provincial_reports.tools.dag_run import run_dag as run_watched

    return run_watched(dag_id, runs, logical_date)


def demo_release(report_type: str, period: str, home: Path, port: int) -> int:
    """`make demo`'s release, signed off over Airflow's REST API (tools/demo_release.py)."""
    from provincial_reports.tools.demo_release import publish_demo_release

    return publish_demo_release(report_type, period, home, port)


def samples(landing: Path) -> int:
    """The demo's submissions, each with its arrival time as modification time."""
    from provincial_reports.tools.samples import write_samples

    written = write_samples(landing)
    print(f"wrote {len(written)} sample submissions under {landing}")
    return 0


def report() -> int:
    from provincial_reports.pipeline import report as refresh

    print(refresh())
    return 0


def access(command: str, folder: Path | None) -> int:
    """The MinIO policies and set-up script (deploy/minio/), generated from expectations/provinces.yaml."""
    from provincial_reports.tools.province_access import mc_script, write_policies

    if command == "write":
        written = write_policies(folder)
        print(f"{len(written)} policies written to {folder}")
    else:
        sys.stdout.write(mc_script())
    return 0


def new_report_type(name: str, title_zh: str, title_en: str, metrics: list[str], due_day: int | None) -> int:
    """A new summary report type's folder under REPORTS_EXPECTATIONS (tools/scaffold.py)."""
    from provincial_reports.tools.scaffold import metric_from_text
    from provincial_reports.tools.scaffold import new_report_type as scaffold

    columns = [metric_from_text(m) for m in metrics]
    written = scaffold(Path(settings().expectations), name, title_zh, title_en, columns, due_day)
    for path in written:
        print(f"wrote {path}")
    print("next: edit them (docs/report-types.md), then upload the sample to try the type")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse, run, and turn an unavailable warehouse into its one line instead of a traceback."""
    args = parser().parse_args(argv)
    try:
        return run(args)
    except WarehouseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m provincial_reports.cli",
        epilog=settings_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="check the settings a run needs (what `make run` does first)")
    dag_run = commands.add_parser("run-dag", help="run a DAG once under `airflow dags test`, showing progress")
    dag_run.add_argument("dag_id")
    dag_run.add_argument("runs", type=Path, help="the folder that keeps one log per run")
    dag_run.add_argument("--logical-date", help="the run's logical date, ISO 8601 (default: now)")
    demo = commands.add_parser("demo-release", help="make demo: publish one release, approved over the REST API")
    demo.add_argument("report_type")
    demo.add_argument("period")
    demo.add_argument("home", type=Path, help="AIRFLOW_HOME (its runs/ keeps the run's log)")
    demo.add_argument("--port", type=int, default=8794, help="the api-server's port while it runs")
    mail = commands.add_parser("demo-mail", help="make demo: run a command with a local SMTP server into a maildir")
    mail.add_argument("maildir", type=Path)
    mail.add_argument("--port", type=int, default=8795)
    mail.add_argument("run", nargs=argparse.REMAINDER, help="-- the command")
    sample = commands.add_parser("samples", help="write the demo submissions into a landing folder")
    sample.add_argument("landing", type=Path)
    commands.add_parser("show", help="every file's answer and the national totals")
    commands.add_parser("roles", help="create the PostgreSQL warehouse roles (as an administrator)")
    exports = commands.add_parser("export", help="the marts as CSV (UTF-8 with BOM) or XLSX files for auditors")
    exports.add_argument("folder", type=Path)
    exports.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    exports.add_argument("--mart", action="append", choices=list(EXPORT_MARTS), help="one mart (default: all)")
    commands.add_parser("report", help="rebuild the report site from the warehouse, reprocessing nothing")
    reviews = commands.add_parser("review", help="review flags awaiting a decision; clear one, or return its file")
    review_commands = reviews.add_subparsers(dest="review", required=True)
    review_commands.add_parser("list", help="every review flag awaiting a decision (open or explained), with its id")
    for verb, meaning in REVIEW_VERBS.items():
        decide = review_commands.add_parser(verb, help=meaning)
        decide.add_argument("target", help="a flag id, or unit/period/metric (e.g. 320000/2025-02/funds_total)")
        decide.add_argument("--note", required=True, help="why (recorded; the province reads it)")
        decide.add_argument("--by", help="who decides (recorded; default: this login)")
    sign_offs = commands.add_parser("releases", help="official figures: pending sign-offs, approve or reject one")
    release_commands = sign_offs.add_subparsers(dest="releases", required=True)
    release_commands.add_parser("pending", help="the publish_national_totals runs waiting for a reviewer")
    approve = release_commands.add_parser("approve", help="approve a run's candidate: it becomes a release")
    approve.add_argument("run_id")
    approve.add_argument("--comment", default="", help="why (required when a release condition does not hold)")
    approve.add_argument("--release-at", default="", help="release instant, ISO 8601 with zone; hidden until then")
    reject = release_commands.add_parser("reject", help="reject a run's candidate: nothing is published")
    reject.add_argument("run_id")
    reject.add_argument("--comment", required=True, help="why (recorded)")
    unlocking = commands.add_parser("unlock", help="let a province's files for a locked period in, until a moment")
    unlocking.add_argument("province", help="the province code, e.g. 540000")
    unlocking.add_argument("period", help="the period, YYYY-MM")
    unlocking.add_argument(
        "--until", required=True, help="YYYY-MM-DD (to the end of that day, Beijing time) or an ISO time"
    )
    unlocking.add_argument("--reason", required=True, help="why (recorded)")
    unlocking.add_argument("--by", required=True, help="who grants it (recorded)")
    commands.add_parser("reply", help="rewrite every receipt and status document in the outbox from the warehouse")
    policies = commands.add_parser("access", help="the provinces' MinIO access (deploy/minio/)")
    policy_commands = policies.add_subparsers(dest="access", required=True)
    written = policy_commands.add_parser("write", help="write one <code>.json IAM policy per province into a folder")
    written.add_argument("folder", type=Path)
    policy_commands.add_parser("mc-script", help="print the mc commands that create the buckets, users and policies")
    new_type = commands.add_parser(
        "new-report-type", help="write a new summary report type's folder (docs/report-types.md)"
    )
    new_type.add_argument("name", help="the type's name, also its folder's: lower case, digits, _")
    new_type.add_argument("--title-zh", required=True)
    new_type.add_argument("--title-en", required=True)
    new_type.add_argument(
        "--metric", action="append", required=True, help="name:中文列名:decimal|integer[:unit], once per metric"
    )
    new_type.add_argument("--due-day", type=int, help="files are due by the end of this day of the next month")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.command == "check":
        return check()
    if args.command == "run-dag":
        return run_dag(args.dag_id, args.runs, args.logical_date)
    if args.command == "new-report-type":
        return new_report_type(args.name, args.title_zh, args.title_en, args.metric, args.due_day)
    if args.command == "export":
        return export(args.folder, args.format, args.mart or list(EXPORT_MARTS))
    if args.command == "demo-release":
        return demo_release(args.report_type, args.period, args.home, args.port)
    if args.command == "demo-mail":
        from provincial_reports.tools.demo_mail import run_with_mailbox

        return run_with_mailbox(args.maildir, args.port, args.run)
    if args.command == "samples":
        return samples(args.landing)
    if args.command == "report":
        return report()
    if args.command == "unlock":
        from provincial_reports.tools.locks import run_command as unlock

        return unlock(args.province, args.period, args.until, args.reason, args.by)
    if args.command == "reply":
        return reply()
    if args.command == "review":
        return list_command() if args.review == "list" else decide_command(args.review, args.target, args.note, args.by)
    if args.command == "releases":
        run_id, comment = getattr(args, "run_id", None), getattr(args, "comment", "")
        from provincial_reports.tools.releases import run_command

        return run_command(args.releases, run_id, comment, getattr(args, "release_at", ""))
    if args.command == "access":
        return access(args.access, getattr(args, "folder", None))
    return create_roles() if args.command == "roles" else show()


if __name__ == "__main__":
    sys.exit(main())
