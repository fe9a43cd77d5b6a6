"""The hostile and odd input corpus: what provinces' office software (or an attacker) may send.

Run `.venv/bin/python tests/corpus/build.py` to write every file into tests/corpus/files/ and their
expected answers into tests/corpus/expected.json; both are committed, so the corpus can be read
and opened by hand. Every file is Jiangxi's (360000) report for 2025-01, uploaded under
`360000/2025-01/`. Every file expected to be accepted carries the same province figures
(PROVINCE below), so whichever of them is in force, Jiangxi's totals are the same.

One file is not committed: the one over the size limit (20 MiB of padding), built by `oversized()`.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
EXPECTED = HERE / "expected.json"
if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1] / "src"))

import openpyxl  # noqa: E402

from provincial_reports.declarations import report_types  # noqa: E402
from provincial_reports.read.tables import MAX_FILE_BYTES, MAX_ROWS  # noqa: E402

REPORT = report_types()["winter_warmth"]
NAMES = [c.name for c in REPORT.columns]
LABELS = [c.label_zh for c in REPORT.columns]
PROVINCE = {
    "period": "2025-01", "org_unit_code": "360000", "org_unit_name": "江西省总工会",
    "funds_total": 4820, "funds_holiday": 2434, "funds_regular": 2386, "visiting_teams": 11,
    "enterprises_visited": 120, "workers_hardship": 5000, "workers_migrant": 3000, "workers_new_forms": 800,
    "workers_frontline": 1200, "model_workers": 60, "wage_arrears_cases": 45, "legal_aid_cases": 30,
    "job_fairs": 100, "jobs_offered": 10000, "trainees": 4000, "recuperation_participants": 7600,
}  # fmt: skip
CITY = {"period": "2025-01", "org_unit_code": "360100", "org_unit_name": "南昌市总工会",
        "funds_total": 612.5, "funds_holiday": 300, "funds_regular": 312.5, "visiting_teams": 2}  # fmt: skip


@dataclass(frozen=True)
class Case:
    file: str
    build: Callable[[], bytes]
    answer: str  # accepted | rejected
    reason: str  # for a rejection, words of one of its failures; for an acceptance, ""
    why: str


# --- tables as rows of cells -----------------------------------------------------------------------


def rows(province: dict | None = None, city: dict | None = None, header: list[str] = LABELS) -> list[list]:
    """Header plus the province and city rows, cells in the template's column order."""
    body = [province or PROVINCE, city or CITY]
    return [list(header)] + [[r.get(n, "") for n in NAMES] for r in body]


def with_cells(**cells: object) -> list[list]:
    """The standard table with some of the province row's cells replaced."""
    return rows({**PROVINCE, **cells})


def csv_of(table: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(table)
    return out.getvalue().encode(encoding)


def workbook(table: list[list], top: int = 1):
    """A workbook with `table` written from row `top` of its one sheet."""
    book = openpyxl.Workbook()
    for i, row in enumerate(table, start=top):
        for j, value in enumerate(row, start=1):
            book.active.cell(row=i, column=j, value=None if value == "" else value)
    return book


def xlsx_of(book) -> bytes:
    book.properties.created = book.properties.modified = datetime(2025, 2, 3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx(table: list[list]) -> bytes:
    return xlsx_of(workbook(table))


def patched(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """The same archive with one member's bytes `old` replaced by `new` (which must be there)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == member:
                assert old in content, (member, old)
                content = content.replace(old, new)
            target.writestr(info.filename, content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def json_of(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def records() -> list[dict]:
    return [dict(PROVINCE), dict(CITY)]


# --- the odd files -----------------------------------------------------------------------------------


def formula_with_cached_value() -> bytes:
    data = xlsx(with_cells(funds_total="=E2+F2"))
    return patched(data, SHEET, b"<f>E2+F2</f><v />", b"<f>E2+F2</f><v>4820</v>")


def excel_error_value() -> bytes:
    data = xlsx(with_cells(funds_regular="=E2/0"))
    return patched(data, SHEET, b'<c r="F2"><f>E2/0</f><v />', b'<c r="F2" t="e"><f>E2/0</f><v>#DIV/0!</v>')


def period_typed_as_date() -> bytes:
    book = workbook(with_cells(period=datetime(2025, 1, 1)))
    book.active["A2"].number_format = "yyyy-mm"
    book.active["A3"] = datetime(2025, 1, 1)
    return xlsx_of(book)


def merged_title() -> bytes:
    book = workbook(rows(), top=3)
    book.active["A1"] = "2025年两节送温暖情况统计表"
    book.active.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(NAMES))
    book.active["A2"] = "填报单位：江西省总工会"
    return xlsx_of(book)


def header_merged_down() -> bytes:
    """Each heading merged over two rows, as two-level headers are drawn: the second is blank."""
    book = workbook([rows()[0], [""] * len(NAMES), *rows()[1:]])
    for j in range(1, len(NAMES) + 1):
        book.active.merge_cells(start_row=1, start_column=j, end_row=2, end_column=j)
    return xlsx_of(book)


def header_merged_across() -> bytes:
    """A "其中" group heading across two columns with the parts named in the row below."""
    first = list(LABELS)
    first[4], first[5] = "其中", ""
    second = [""] * len(NAMES)
    second[4], second[5] = "两节期间资金（万元）", "常态化资金（万元）"
    book = workbook([first, second, *rows()[1:]])
    book.active.merge_cells(start_row=1, start_column=5, end_row=1, end_column=6)
    return xlsx_of(book)


def hidden_sheet_first() -> bytes:
    book = workbook(with_cells(funds_total=1, funds_holiday=1, funds_regular=0))
    book.active.title = "旧数据"
    book.active.sheet_state = "hidden"
    visible = book.create_sheet("2025年1月")
    for row in rows():
        visible.append([None if v == "" else v for v in row])
    book.active = 1
    return xlsx_of(book)


def hidden_sheet_after() -> bytes:
    book = workbook(rows())
    hidden = book.create_sheet("计算过程")
    hidden.append(["报告期", "单位代码", "备注"])
    hidden.append(["2024-12", "110000", "草稿"])
    hidden.sheet_state = "hidden"
    return xlsx_of(book)


def only_hidden_sheets() -> bytes:
    """openpyxl will not save this (Excel would not either); other programs do."""
    book = workbook(rows())
    book.active.title = "report"
    book.create_sheet("blank").sheet_state = "hidden"
    return patched(xlsx_of(book), "xl/workbook.xml", b'sheetId="1" state="visible"', b'sheetId="1" state="hidden"')


def formula_without_value() -> bytes:
    return xlsx(with_cells(funds_total="=E2+F2"))  # openpyxl saves formulas with no result


def total_row(table: list[list]) -> list[list]:
    total = ["2025-01", "", "合计", 5432.5, 2734, 2698.5, 13] + [""] * (len(NAMES) - 7)
    return [*table, total]


def xxe(member: str, root: bytes) -> bytes:
    """An external entity declared in a part of the workbook, pointing at a local file."""
    doctype = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return patched(xlsx(rows()), member, root, doctype + root)


def billion_laughs() -> bytes:
    entities = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    data = xlsx(rows())
    data = patched(data, SHEET, b"<worksheet ", b"<!DOCTYPE worksheet [" + entities + b"]><worksheet ")
    return patched(
        data, SHEET, b"<t>\xe6\xb1\x9f\xe8\xa5\xbf\xe7\x9c\x81\xe6\x80\xbb\xe5\xb7\xa5\xe4\xbc\x9a</t>", b"<t>&a9;</t>"
    )


def zip_bomb(unpacked: int) -> bytes:
    """A workbook with one extra part of `unpacked` zero bytes, which deflate about 1000 to 1."""
    base = zipfile.ZipFile(io.BytesIO(xlsx(rows())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            target.writestr(info.filename, base.read(info))
        with target.open("xl/media/padding.bin", "w", force_zip64=True) as part:
            chunk = b"\0" * 2**20
            for _ in range(unpacked // 2**20):
                part.write(chunk)
    return out.getvalue()


def truncated_xlsx() -> bytes:
    data = xlsx(rows())
    return data[: len(data) // 2]


def zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("report.csv", csv_of(rows()))
    return out.getvalue()


def damaged_sheet_xml() -> bytes:
    return patched(xlsx(rows()), SHEET, b"</sheetData>", b"</sheetDat")


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa" + bytes(range(256)) * 4


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\0" + bytes(range(255, 0, -1)) * 8


def too_many_rows() -> bytes:
    return csv_of([LABELS[:3]] + [["2025-01", "360100", "南昌"]] * (MAX_ROWS + 1))


def deep_json() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def oversized() -> bytes:
    """A valid CSV padded with blank lines past the size limit: refused before it is parsed."""
    data = csv_of(rows())
    return data + b"\r\n" * ((MAX_FILE_BYTES - len(data)) // 2 + 1)


def injection_names() -> bytes:
    city = {**CITY, "org_unit_name": '=HYPERLINK("http://example.invalid","南昌")'}
    province = {**PROVINCE, "org_unit_name": "江西省总工会'); DROP TABLE core.figures; --"}
    return csv_of(rows(province, city))


def europe_semicolons() -> bytes:
    return csv_of(with_cells(funds_total="4820,5", funds_regular="2386,5"), delimiter=";")


CASES = [
    # read as intended (normalised)
    Case("good.csv", lambda: csv_of(rows()), "accepted", "", "the template as written"),
    Case("good-bom.csv", lambda: csv_of(rows(), "utf-8-sig"), "accepted", "", "UTF-8 with BOM (Excel's 'CSV UTF-8')"),
    Case("good-gbk.csv", lambda: csv_of(rows(), "gbk"), "accepted", "", "GBK, Chinese Excel's default CSV"),
    Case("good.xlsx", lambda: xlsx(rows()), "accepted", "", "the template as an Excel sheet"),
    Case("good.json", lambda: json_of(records()), "accepted", "", "an array of row objects"),
    Case("rows-object.json", lambda: json_of({"rows": records()}), "accepted", "", "an object with a rows array"),
    Case("semicolons.csv", lambda: csv_of(rows(), delimiter=";"), "accepted", "", "';' delimiter (European Excel)"),
    Case("tabs.csv", lambda: csv_of(rows(), delimiter="\t"), "accepted", "", "tab delimiter (Excel 'Text')"),
    Case(
        "full-width-digits.csv",
        lambda: csv_of(with_cells(funds_total="４８２０", trainees="４０００")),
        "accepted",
        "",
        "full-width digits from a Chinese input method, folded by NFKC",
    ),
    Case(
        "thousands-commas.csv",
        lambda: csv_of(with_cells(funds_total="4,820", jobs_offered="10,000")),
        "accepted",
        "",
        "thousands separated by commas in groups of three",
    ),
    Case(
        "thousands-spaces.csv",
        lambda: csv_of(with_cells(funds_total=" 4 820 ", jobs_offered="10 000")),
        "accepted",
        "",
        "thousands separated by spaces, surrounding spaces",
    ),
    Case(
        "full-width-comma.csv",
        lambda: csv_of(with_cells(funds_total="４，８２０．０")),
        "accepted",
        "",
        "full-width comma and point, folded by NFKC",
    ),
    Case(
        "scientific.csv",
        lambda: csv_of(with_cells(jobs_offered="1.0E+04", funds_total="4.82E+03")),
        "accepted",
        "",
        "Excel's scientific notation for numbers",
    ),
    Case(
        "headers-english-spaced.csv",
        lambda: csv_of(rows(header=[f"  {n.upper()} " for n in NAMES])),
        "accepted",
        "",
        "English names in upper case with spaces",
    ),
    Case(
        "blank-lines.csv",
        lambda: csv_of([rows()[0], [], rows()[1], [""] * 3, rows()[2], [], []]),
        "accepted",
        "",
        "blank lines among and after the rows",
    ),
    Case(
        "columns-reordered.csv",
        lambda: csv_of([list(reversed(r)) for r in rows()]),
        "accepted",
        "",
        "columns in another order",
    ),
    Case(
        "formula-cached.xlsx",
        formula_with_cached_value,
        "accepted",
        "",
        "funds_total is a formula: its saved result is read",
    ),
    Case("period-as-date.xlsx", period_typed_as_date, "accepted", "", "the period typed as an Excel date"),
    Case("merged-title.xlsx", merged_title, "accepted", "", "merged title and a unit line above the header"),
    Case("header-merged-down.xlsx", header_merged_down, "accepted", "", "header cells merged over two rows"),
    Case(
        "hidden-sheet-first.xlsx",
        hidden_sheet_first,
        "accepted",
        "",
        "a hidden sheet before the report: the first visible sheet is read",
    ),
    Case("hidden-sheet-after.xlsx", hidden_sheet_after, "accepted", "", "a hidden working sheet after the report"),
    Case(
        "code-as-number.xlsx",
        lambda: xlsx(with_cells(org_unit_code=360000)),
        "accepted",
        "",
        "the unit code stored as a number",
    ),
    Case(
        "injection-names.csv",
        injection_names,
        "accepted",
        "",
        "SQL and spreadsheet formulas in names are text, kept as sent (exports neutralise them)",
    ),
    # refused, with the reason
    Case("empty.csv", lambda: b"", "rejected", "the file is empty", "zero bytes"),
    Case("whitespace.json", lambda: b" \r\n\t ", "rejected", "the file is empty", "only white space"),
    Case("header-only.csv", lambda: csv_of(rows()[:1]), "rejected", "at least one data row", "a header, no rows"),
    Case("header-only.xlsx", lambda: xlsx(rows()[:1]), "rejected", "at least one data row", "a header, no rows"),
    Case("no-header.csv", lambda: csv_of(rows()[1:]), "rejected", "no header row found", "rows without a header"),
    Case("binary-png.csv", png, "rejected", "neither UTF-8 nor GB18030", "a PNG image named .csv"),
    Case("binary-elf.xlsx", elf, "rejected", "not a readable XLSX workbook", "a program named .xlsx"),
    Case(
        "binary.json",
        lambda: bytes(range(128, 256)) * 8,
        "rejected",
        "neither UTF-8 nor GB18030",
        "bytes no text encoding reads",
    ),
    Case("fake.xlsx", lambda: csv_of(rows()), "rejected", "not a readable XLSX workbook", "a CSV named .xlsx"),
    Case("truncated.xlsx", truncated_xlsx, "rejected", "not a readable XLSX workbook", "half a workbook"),
    Case("zip-of-text.xlsx", zip_of_text, "rejected", "not a readable XLSX workbook", "a zip, not a workbook"),
    Case("damaged-sheet.xlsx", damaged_sheet_xml, "rejected", "damaged", "the sheet's XML is cut"),
    Case(
        "zip-bomb-size.xlsx",
        lambda: zip_bomb(150 * 2**20),
        "rejected",
        "zip bomb",
        "unpacks to 150 MiB (limit 100 MiB)",
    ),
    Case(
        "zip-bomb-ratio.xlsx",
        lambda: zip_bomb(20 * 2**20),
        "rejected",
        "zip bomb",
        "a part compressed about 1000:1 (limit 100:1)",
    ),
    Case(
        "xxe-sheet.xlsx",
        lambda: xxe(SHEET, b"<worksheet "),
        "rejected",
        "XML entities",
        "the sheet declares an external entity (file:///etc/passwd)",
    ),
    Case(
        "xxe-workbook.xlsx",
        lambda: xxe("xl/workbook.xml", b"<workbook "),
        "rejected",
        "XML entities",
        "the workbook part declares an external entity",
    ),
    Case("billion-laughs.xlsx", billion_laughs, "rejected", "XML entities", "nested entities that expand to 10^9"),
    Case("only-hidden-sheets.xlsx", only_hidden_sheets, "rejected", "no visible worksheet", "every sheet hidden"),
    Case(
        "formula-no-value.xlsx",
        formula_without_value,
        "rejected",
        "saved without its result",
        "a formula saved by a program that does not calculate",
    ),
    Case(
        "excel-error.xlsx",
        excel_error_value,
        "rejected",
        "'#DIV/0!' is not a number",
        "an Excel error value as a formula's result",
    ),
    Case(
        "excel-error.csv",
        lambda: csv_of(with_cells(funds_regular="#DIV/0!")),
        "rejected",
        "'#DIV/0!' is not a number",
        "an Excel error value saved into CSV",
    ),
    Case(
        "header-merged-across.xlsx",
        header_merged_across,
        "rejected",
        "has values but no heading",
        "a '其中' heading merged across two columns",
    ),
    Case(
        "utf-16.csv",
        lambda: csv_of(rows(), "utf-16", "\t"),
        "rejected",
        "UTF-16",
        "Excel's 'Unicode Text' (UTF-16 with BOM)",
    ),
    Case(
        "utf-16-no-bom.csv",
        lambda: csv_of(rows(), "utf-16-le"),
        "rejected",
        "neither UTF-8 nor GB18030",
        "UTF-16 without its BOM",
    ),
    Case(
        "nul-padded.csv",
        lambda: csv_of(rows()) + b"\0" * 4096,
        "rejected",
        "NUL bytes",
        "a good CSV followed by NUL bytes, as an interrupted copy leaves it",
    ),
    Case(
        "units.csv",
        lambda: csv_of(with_cells(funds_total="4820万元")),
        "rejected",
        "'4820万元' is not a number",
        "a number with its unit",
    ),
    Case(
        "chinese-numerals.csv",
        lambda: csv_of(with_cells(visiting_teams="十一")),
        "rejected",
        "'十一' is not a whole number",
        "a number in Chinese numerals",
    ),
    Case(
        "decimal-comma.csv",
        lambda: csv_of(with_cells(funds_regular="2386,5", funds_total="4820,5")),
        "rejected",
        "',' only groups thousands",
        "'2386,5': a decimal comma or a thousands comma? refused as ambiguous",
    ),
    Case(
        "decimal-comma-semicolons.csv",
        europe_semicolons,
        "rejected",
        "',' only groups thousands",
        "European Excel: ';' delimiter and decimal commas",
    ),
    Case("total-row.csv", lambda: csv_of(total_row(rows())), "rejected", "remove total rows", "a trailing 合计 row"),
    Case(
        "total-row.xlsx",
        lambda: xlsx(total_row(rows())),
        "rejected",
        "remove total rows",
        "a trailing 合计 row in Excel",
    ),
    Case(
        "period-as-date.csv",
        lambda: csv_of(with_cells(period="2025/1/1")),
        "rejected",
        "must equal the reporting period",
        "Excel rewrote the period as a date before saving the CSV",
    ),
    Case(
        "other-province.csv",
        lambda: csv_of(rows({**PROVINCE, "org_unit_code": "110000"}, {**CITY, "org_unit_code": "110100"})),
        "rejected",
        "must be the 6-digit code of this province",
        "Beijing's figures uploaded under Jiangxi",
    ),
    Case(
        "huge-number.json",
        lambda: json_of([{**PROVINCE, "jobs_offered": 10**20}, CITY]),
        "rejected",
        "a number below",
        "a number too large for the warehouse",
    ),
    Case(
        "cell-object.json",
        lambda: json_of([{**PROVINCE, "funds_total": {"value": 4820}}, CITY]),
        "rejected",
        "a single value",
        "a JSON object where a number belongs",
    ),
    Case("deep.json", deep_json, "rejected", "nested too deeply", "100,000 nested arrays"),
    Case("too-many-rows.csv", too_many_rows, "rejected", "more than 5,000 rows", "5,002 rows"),
    Case("old-excel.xls", lambda: xlsx(rows()), "rejected", "file type '.xls' is not accepted", "the old format"),
]


def write() -> None:
    FILES.mkdir(exist_ok=True)
    for stale in FILES.iterdir():
        stale.unlink()
    for case in CASES:
        (FILES / case.file).write_bytes(case.build())
    expected = [{"file": c.file, "answer": c.answer, "reason": c.reason, "why": c.why} for c in CASES]
    EXPECTED.write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} files into {FILES}")


if __name__ == "__main__":
    write()
