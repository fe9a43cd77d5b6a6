"""The marts' descriptions as the warehouse's own comments (COMMENT ON), read from the `.md` beside
each model. The docs are the one source: a BI tool that shows a view's or a column's description
(`\\d+` in psql, DBeaver, Metabase, Superset) shows what the model's doc says, and a doc naming a
column its view lacks fails the load instead of drifting from it.

A model's doc is its title (`# mart.<view>`), text saying what the view is, and a section
`## Columns` holding a table with one row per column: `| column | meaning |`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

COLUMNS_HEADING = "## Columns"


@dataclass(frozen=True)
class ModelDoc:
    about: str  # what the view is: the doc's text outside its title and its columns table
    columns: dict[str, str]  # column -> meaning, in the doc's order


def read_model_doc(path: Path) -> ModelDoc:
    about: list[str] = []
    columns: dict[str, str] = {}
    in_columns = False
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("#"):
            in_columns = line.strip() == COLUMNS_HEADING
        elif in_columns and line.startswith("|") and not line.startswith("|---"):
            name, meaning = (cell.strip() for cell in line.strip().strip("|").split("|", 1))
            if name != "column":  # the table's header row
                columns[name] = meaning
        elif not in_columns:
            about.append(line)
    return ModelDoc(" ".join(" ".join(about).split()), columns)


def comment_statements(view: str, doc: ModelDoc) -> list[str]:
    """COMMENT ON the view and each documented column; both engines take this SQL. The text is
    our own docs', quoted as a literal because neither engine binds a parameter there."""
    statements = [f"COMMENT ON VIEW {view} IS {quoted(doc.about)}"]
    statements += [f"COMMENT ON COLUMN {view}.{name} IS {quoted(meaning)}" for name, meaning in doc.columns.items()]
    return statements


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
