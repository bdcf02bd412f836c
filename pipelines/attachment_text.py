"""Extract the text of one attachment, as a child process under a time and memory limit.

Run as `python -m pipelines.attachment_text KIND MEMORY_MB SECONDS` with the file on stdin; it
prints one JSON object, {"text": ...} or {"error": ...}. The limits are set with setrlimit
before the parsing libraries are even imported, so a PDF or DOCX built to exhaust memory or
loop for ever ends this process, not the crawl (pipelines/attachments.py runs it).
"""

from __future__ import annotations

import io
import json
import resource
import sys

# Enough for the text of a long report; a file whose text is longer is cut here.
MAX_TEXT_CHARACTERS = 1_000_000


def limit_resources(memory_mb: int, seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(line for line in lines if line.strip())


EXTRACTORS = {"pdf": pdf_text, "docx": docx_text}


def valid_unicode(text: str) -> str:
    """pypdf reads a font's Unicode map with surrogatepass: a glyph mapped to half of a UTF-16
    pair comes out as a lone surrogate, which no UTF-8 output can hold (this process's answer,
    then the archive), and the file's whole text was lost. Halves that make a pair become
    their character; a lone half becomes U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def extract(kind: str, data: bytes) -> dict:
    try:
        text = EXTRACTORS[kind](data)
    except MemoryError:
        return {"error": "text extraction ran out of its memory limit"}
    except Exception as error:  # a malformed file may raise anything from its parser
        return {"error": f"malformed {kind}: {type(error).__name__}: {error}"[:500]}
    return {"text": valid_unicode(text[:MAX_TEXT_CHARACTERS])}


def main(argv: list[str]) -> int:
    kind, memory_mb, seconds = argv[0], int(argv[1]), int(argv[2])
    limit_resources(memory_mb, seconds)
    data = sys.stdin.buffer.read()
    json.dump(extract(kind, data), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
