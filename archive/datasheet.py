"""What is written beside an export: a datasheet (what it holds, counts, dates, the sources
actually exported, licence, and every column's type and description) and, beside a Parquet
file, a dataset card in the Hugging Face `datasets` style (a README.md with YAML front matter),
so the file can be published or loaded as a dataset as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from archive.columns import describe
from archive.metadata import LICENCE_NOTE, TABLES
from archive.safe_output import write_text_safely
from archive.text_cells import BLOB_ENCODING

CARD_MARK = "<!-- written by vnarchive export -->"


@dataclass
class ExportFacts:
    """What the export learned while writing, for its datasheet."""
    path: Path
    fmt: str
    described: str
    table: str | None
    schema: pa.Schema
    rows: int = 0
    sites: dict[str, int] = field(default_factory=dict)  # site -> rows exported
    traceable: bool = True  # whether the rows name their articles (site or canonical_url)
    published: tuple[str | None, str | None] = (None, None)
    for_spreadsheets: bool = False  # text cells that a spreadsheet would run were escaped
    unreadable: dict[str, int] = field(default_factory=dict)  # column -> rows nulled


def counted(count: int, noun: str) -> str:
    """A count and its noun, singular for one: the datasheet said "1 rows"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def column_description(table: str | None, column: str) -> str:
    """The table's own description of a column, else the first table that names it."""
    own = TABLES.get(table or "", {}).get("columns", {})
    if column in own:
        return own[column]
    for spec in TABLES.values():
        if column in spec.get("columns", {}):
            return spec["columns"][column]
    return "computed by the query"


def write_datasheet(connection, facts: ExportFacts) -> Path:
    lines = [f"# Datasheet: {facts.path.name}", "",
             f"Exported from a vnarchive archive on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: "
             f"{facts.described}, {counted(facts.rows, 'row')}, as {facts.fmt}.", ""]
    low, high = facts.published
    if low or high:
        lines += [f"Publication dates: {low} to {high}.", ""]
    if facts.for_spreadsheets:
        lines += ["Written for spreadsheets (`--for-spreadsheets`): a text cell that began with "
                  "=, +, -, @, a tab or a carriage return begins with an apostrophe, so that a "
                  "spreadsheet shows it instead of running it as a formula. Remove it to get "
                  "the archive's value. The file begins with UTF-8's byte-order mark, by which "
                  "Excel knows its encoding.", ""]
    if facts.unreadable:
        lines += [unreadable_note(facts.unreadable), ""]
    if facts.fmt != "parquet" and any(pa.types.is_binary(f.type) for f in facts.schema):
        lines += [f"Binary values (blobs) are written as {BLOB_ENCODING} text (RFC 4648): "
                  "decode a cell to get its bytes.", ""]
    lines += _sources(connection, facts)
    lines += ["## Licence and attribution", "", LICENCE_NOTE, "", "## Schema", "",
              "| column | type | description |", "|---|---|---|"]
    lines += [f"| {f.name} | {describe(f.type)} | {column_description(facts.table, f.name)} |"
              for f in facts.schema]
    datasheet = facts.path.with_name(facts.path.name + ".datasheet.md")
    write_text_safely(datasheet, "\n".join(lines) + "\n")
    return datasheet


def unreadable_note(unreadable: dict[str, int]) -> str:
    """What became of the values that did not read as their column's type (the datasheet's
    words, and the command's warning)."""
    columns = ", ".join(f"{column} in {counted(count, 'row')}"
                        for column, count in sorted(unreadable.items()))
    return (f"Not of the column's type (a date or time not in ISO 8601, a list not in JSON, a "
            f"flag not 0 or 1), so NULL here: {columns}. The rows are kept; the archive keeps "
            "each value as it was stored, and a CSV export gives it so.")


def _sources(connection, facts: ExportFacts) -> list[str]:
    if not facts.traceable:
        return ["## Sources", "", "The exported columns do not name the articles (no `site` "
                "or `canonical_url`), so the rows cannot be traced to their sites.", ""]
    if not facts.sites:
        return ["## Sources", "", "No rows were exported.", ""]
    known = {name: (title, url) for name, title, url in connection.execute(
        "select name, title, base_url from sites")}
    lines = ["## Sources", "", "| site | title | address | rows exported |", "|---|---|---|---|"]
    for name, count in sorted(facts.sites.items()):
        title, url = known.get(name, ("", ""))
        lines.append(f"| {name} | {title or ''} | {url or ''} | {count} |")
    return lines + [""]


HF_TYPES = {"string": "string", "int64": "int64", "double": "float64", "bool": "bool",
            "date32[day]": "date32"}


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (and a Python string literal): a plain one broke the
    front matter where it held ": " or " #" (a file named "báo cáo: 2024.parquet")."""
    return json.dumps(text, ensure_ascii=False)


def _feature_lines(name: str, kind: pa.DataType, indent: str) -> list[str]:
    """A column in `dataset_info.features` as `datasets` writes it: `dtype` for a value,
    `list` for a list (of a value, or of fields), `struct` for fields. Written before as
    `dtype: list<item: struct<name: string, ...>>`, which is not YAML (": " inside a plain
    scalar): every card of an export with a list column was refused by YAML readers."""
    head, inner = f"{indent}- name: {_quoted(name)}", indent + "  "
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        item = kind.value_type
        if pa.types.is_struct(item):
            return [head, f"{inner}list:", *_fields_lines(item, inner)]
        return [head, f"{inner}list: {_quoted(_hf_dtype(item))}"]
    if pa.types.is_struct(kind):
        return [head, f"{inner}struct:", *_fields_lines(kind, inner)]
    return [head, f"{inner}dtype: {_quoted(_hf_dtype(kind))}"]


def _fields_lines(kind: pa.StructType, indent: str) -> list[str]:
    return [line for index in range(kind.num_fields)
            for line in _feature_lines(kind.field(index).name, kind.field(index).type, indent)]


def _hf_dtype(kind: pa.DataType) -> str:
    if pa.types.is_timestamp(kind):
        return f"timestamp[{kind.unit}, tz={kind.tz}]"
    return HF_TYPES.get(str(kind), str(kind))


def write_card(facts: ExportFacts) -> Path:
    """A dataset card beside a Parquet export: README.md in its folder, unless a README.md
    that is not this file's card is there (then NAME.README.md)."""
    card = facts.path.with_name("README.md")
    if card.exists() and f"{CARD_MARK} {facts.path.name}" not in card.read_text(
            encoding="utf-8", errors="replace"):
        card = facts.path.with_name(facts.path.stem + ".README.md")
    features = "\n".join(line for f in facts.schema
                         for line in _feature_lines(f.name, f.type, "    "))
    sites = ", ".join(sorted(facts.sites)) or "none traced"
    write_text_safely(card, f"""---
pretty_name: {_quoted("vnarchive export " + facts.path.stem)}
language:
- vi
license: other
license_name: publishers-terms
size_categories:
- {_size_category(facts.rows)}
task_categories:
- text-classification
tags:
- vietnamese
- local-government
- news
configs:
- config_name: default
  data_files: {_quoted(facts.path.name)}
dataset_info:
  features:
{features}
  splits:
  - name: train
    num_examples: {facts.rows}
---
{CARD_MARK} {facts.path.name}
# {facts.path.stem}

{counted(facts.rows, 'row')} of {facts.described}, exported by vnarchive
on {datetime.now(UTC):%Y-%m-%d} from an archive of Vietnamese provincial newspapers and
district portals. Sources: {sites}.
The datasheet `{facts.path.name}.datasheet.md` describes every column and source.

## Load

```python
from datasets import load_dataset
dataset = load_dataset("parquet", data_files={_quoted(facts.path.name)})
```

## Licence

{LICENCE_NOTE}
""")
    return card


def _size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if rows < limit:
            return name
    return "1M<n<10M"
