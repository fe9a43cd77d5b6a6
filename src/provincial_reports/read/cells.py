"""One cell to its declared type, or a problem the province is told about.

Cells that cannot be read as their column's type become empty and are listed as problems, which
validation turns into failed rules: the province sees every bad cell at once, not the first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from provincial_reports.declarations import Column, ReportType
from provincial_reports.read.header import is_blank

# A number: ASCII digits after NFKC; thousands grouped by a comma or a space in threes, the same
# separator throughout; a '.' decimal point; an optional exponent (Excel writes 1.2E+11).
NUMBER = re.compile(r"[+-]?(?:(?:\d{1,3}(?:([, ])\d{3})(?:\1\d{3})*|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# decimal(18, 4) in the lake holds 14 digits before the point
MAX_MAGNITUDE = Decimal(10) ** 14
TOTAL_ROW = re.compile(r"^(全省|全市|全区|总)?(合计|总计|小计|总数)$|^(total|subtotal|sum)$", re.IGNORECASE)


class BadCell(ValueError):
    """A cell that is not of its column's type, with what was expected when the column's usual
    wording would not tell the province what to fix (a decimal comma, a number too large)."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass(frozen=True)
class CellProblem:
    column: str
    source_row: int
    value: str
    expected: str


class FormulaWithoutValue(str):
    """A formula cell the writing program saved without its result: there is no value to read."""


def typed(column: Column, raw: object, row: int, problems: list[CellProblem]) -> object:
    if is_blank(raw):
        return None
    try:
        if isinstance(raw, (dict, list, FormulaWithoutValue)):
            raise BadCell(_ODD_CELLS[type(raw)])
        return CONVERTERS[column.type](raw)
    except BadCell as exc:
        problems.append(CellProblem(column.name, row, str(raw), exc.expected))
    except (ValueError, InvalidOperation, TypeError):
        problems.append(CellProblem(column.name, row, str(raw), EXPECTED[column.type]))
    return None


_ODD_CELLS = {
    dict: "a single value, not a JSON object (单个值)",
    list: "a single value, not a JSON array (单个值)",
    FormulaWithoutValue: "a value: the formula was saved without its result; open and save the file in Excel "
    "(公式没有保存计算结果，请用Excel打开后重新保存)",
}


def total_row_problems(report_type: ReportType, record: dict, row: int) -> list[CellProblem]:
    """A "合计" row is the sum of the rows above it, not a unit's own figures: named as such, so the
    province knows to delete it rather than wonder why its unit code is missing."""
    return [
        CellProblem(c.name, row, record[c.name], "a unit's own row: remove total rows (合计行不是单位数据，请删除)")
        for c in report_type.columns
        if c.type in ("code", "text")
        and isinstance(record[c.name], str)
        and TOTAL_ROW.match(re.sub(r"\s+", "", record[c.name]))
    ]


def _number(raw: object) -> Decimal:
    """Exactly what the cell says, or BadCell. Numbers stored as numbers are taken as they are;
    text must be a plain number: '4,820', ' 4 820 ', '４８２０' and '4820.5' are read, while
    '12,5' is refused, since a decimal comma (12.5) and a thousands comma (125) cannot be told apart."""
    if isinstance(raw, bool):
        raise TypeError(raw)
    if isinstance(raw, (int, float)):
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not NUMBER.fullmatch(text):
            if re.fullmatch(r"[+-]?[\d,.]*,\d*", text, re.ASCII):
                raise BadCell(
                    "a number: ',' only groups thousands (4,820); write decimals with '.' (12.5) "
                    "(逗号只能用作千分位，小数请用小数点)"
                )
            raise ValueError(raw)
        value = Decimal(re.sub(r"[, ]", "", text))
    if not value.is_finite():
        raise ValueError(raw)
    if abs(value) >= MAX_MAGNITUDE:
        raise BadCell(f"a number below {MAX_MAGNITUDE:,.0f} (数值过大)")
    return value


def _as_decimal(raw: object) -> float:
    return float(_number(raw))


def _as_integer(raw: object) -> float:
    value = _number(raw)
    if value != value.to_integral_value():
        raise ValueError(raw)
    return float(value)


def _as_period(raw: object) -> str:
    """A period typed into Excel as a date arrives as a datetime; it means its month."""
    if isinstance(raw, (datetime, date)):
        return raw.strftime("%Y-%m")
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _as_code(raw: object) -> str:
    """Excel stores 360000 as a number; the code is its digits."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _as_text(raw: object) -> str:
    return str(raw).strip()


def _as_date(raw: object) -> str:
    if isinstance(raw, (datetime, date)):
        return raw.strftime("%Y-%m-%d")
    return unicodedata.normalize("NFKC", str(raw)).strip()


# The records' types (id_number, category, amount, date) are typed in bulk by validate.records;
# these converters only let an XLSX or JSON copy of a records file be read far enough to be told
# which formats records may come in.
CONVERTERS = {
    "decimal": _as_decimal,
    "integer": _as_integer,
    "period": _as_period,
    "code": _as_code,
    "text": _as_text,
    "id_number": _as_text,
    "category": _as_text,
    "amount": _as_decimal,
    "date": _as_date,
}
EXPECTED = {
    "decimal": "a number (数字)",
    "integer": "a whole number (整数)",
    "period": "a period YYYY-MM (YYYY-MM格式的报告期)",
    "code": "a 6-digit code (6位代码)",
    "text": "text (文本)",
    "id_number": "an 18-character resident identity number (18位公民身份号码)",
    "category": "a beneficiary category (慰问对象类别)",
    "amount": "an amount in yuan (金额，元)",
    "date": "a date YYYY-MM-DD (YYYY-MM-DD格式的日期)",
}
