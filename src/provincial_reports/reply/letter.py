"""How a message to a province reads: Chinese first, the same in English beside it, then the list
(failed rules, warnings) once, each item already in both languages. Every value is escaped: a file
name is the province's text, and it never becomes markup. Subjects carry only declared words
(titles, province names, periods), never a file name, so nothing a province uploads reaches a
mail header."""

from __future__ import annotations

from html import escape

SIGNATURE = (
    "全国汇总系统（自动发送，请勿直接回复）",
    "The national consolidation pipeline (sent automatically; please do not reply)",
)


def letter_html(zh: list[str], en: list[str], listed: list[str] = (), listed_heading: str = "") -> str:
    """The message body: the Chinese paragraphs and the English ones side by side, then the list,
    then who sent it."""
    zh_block = "".join(f"<p>{escape(p)}</p>" for p in zh)
    en_block = "".join(f"<p>{escape(p)}</p>" for p in en)
    body = (
        '<table role="presentation" style="border-collapse:collapse"><tr>'
        f'<td lang="zh" style="vertical-align:top;padding-right:24px">{zh_block}</td>'
        f'<td lang="en" style="vertical-align:top">{en_block}</td></tr></table>'
    )
    if listed:
        items = "".join(f"<li>{escape(item)}</li>" for item in listed)
        body += f"<p><strong>{escape(listed_heading)}</strong></p><ol>{items}</ol>"
    body += f'<p style="color:#5b6875">{escape(SIGNATURE[0])}<br>{escape(SIGNATURE[1])}</p>'
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'
