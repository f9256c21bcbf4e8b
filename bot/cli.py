"""Command-line tasks that run beside the app (``python app.py import-accounts FILE``).

The accounts file comes from wherever the company keeps its customers, most often a
spreadsheet: Excel writes UTF-8 with a byte-order mark, UTF-16 ("Unicode text") or
Windows-1252, depending on version and menu. The encoding is recognised before anything
is imported, a binary file (a workbook saved as .xlsx, a zip) is refused with a message
and exit code 2, and the file is then read row by row, never whole.
"""

from __future__ import annotations

import codecs
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.clock import Clock
from bot.config import Settings
from bot.db import ensure_migrated, make_engine, make_session_factory
from bot.services.accounts import CsvFormatError, ImportResult, import_accounts_csv
from bot.text import plural

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
# Without a terminal (a log, a CI job), one plain line per this share of the file.
PLAIN_PROGRESS_STEPS = 10
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROLS = {9, 10, 12, 13}
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}


class UnreadableFile(ValueError):
    """The file is not text Liaison can read (binary, or an unknown encoding)."""


def import_accounts_command(settings: Settings, csv_path: str, clock: Clock) -> int:
    """Import the directory; exit 0 if every row was imported, 1 if some were rejected,
    2 if the file cannot be imported at all."""
    path = Path(csv_path)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    try:
        encoding, lines = detect_encoding(path)
    except UnreadableFile as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    ensure_migrated(engine, auto_migrate=settings.auto_migrate)
    progress = Progress(path.name, total=max(lines - 1, 0), stream=sys.stderr)
    try:
        with path.open(encoding=encoding, newline="") as stream:
            result = import_accounts_csv(
                make_session_factory(engine), stream, now=clock.now(), on_batch=progress.update
            )
    except CsvFormatError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    finally:
        progress.close()
        engine.dispose()
    print(describe_import(path.name, result, encoding=encoding))
    return 1 if result.skipped else 0


def detect_encoding(path: Path) -> tuple[str, int]:
    """The file's text encoding and its number of lines, in one streamed pass.

    A byte-order mark decides; without one the file must be UTF-8 throughout, else it is
    read as Windows-1252 (what Excel writes as "CSV" on Windows), else Latin-1. A file
    with NUL bytes or many control characters in its first 64 KB is refused as binary.
    """
    with path.open("rb") as file:
        sample = file.read(SAMPLE_BYTES)
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding, _count_lines(path, encoding)
    if sample.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            "this is a zip archive or an Excel workbook (.xlsx), not a CSV file. "
            "Save the sheet as CSV (File > Save As > CSV UTF-8) and import that."
        )
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    if b"\x00" in sample or controls > len(sample) // 100:
        raise UnreadableFile(
            "this looks like a binary file, not a CSV text file. "
            "Export the accounts as CSV (UTF-8) and import that."
        )
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return encoding, _count_lines(path, encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("the text encoding is not recognised; save the file as CSV UTF-8.")


def _count_lines(path: Path, encoding: str) -> int:
    """Decode the whole file chunk by chunk (UnicodeDecodeError if it is not ``encoding``)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    last = ""
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            text = decoder.decode(chunk)
            lines += text.count("\n")
            last = text[-1:] or last
    decoder.decode(b"", final=True)
    return lines + (1 if last and last != "\n" else 0)


class Progress:
    """A progress bar on a terminal (tqdm); elsewhere a plain line every tenth of the file."""

    def __init__(self, name: str, *, total: int, stream: TextIO) -> None:
        self.name = name
        self.total = total
        self.stream = stream
        self.bar: Any = None
        self.next_line = self._step()
        if stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=" rows", desc=name, file=stream, leave=False)

    def update(self, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(max(min(rows, self.total) - self.bar.n, 0))
            return
        if rows >= self.next_line and rows < self.total:
            share = f" ({rows * 100 // self.total}%)" if self.total else ""
            # total > rows >= 1 here: always "rows".
            print(
                f"{self.name}: {rows:,} of {self.total:,} rows read{share}",
                file=self.stream,
                flush=True,
            )
            while self.next_line <= rows:
                self.next_line += self._step()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def _step(self) -> int:
        return max(self.total // PLAIN_PROGRESS_STEPS, 1)


def describe_import(name: str, result: ImportResult, *, encoding: str | None = None) -> str:
    added = plural(result.created, "account")
    read_as = f" (read as {_ENCODING_NAMES.get(encoding, encoding)})" if encoding else ""
    lines = [f"{name}: {added} added, {result.updated} updated{read_as}."]
    if result.skipped:
        lines.append(f"{plural(result.skipped, 'row')} skipped:")
        lines.extend(f"  line {line}: {message}" for line, message in result.errors)
        hidden = result.skipped - len(result.errors)
        if hidden:
            lines.append(f"  … and {plural(hidden, 'more row')}")
    return "\n".join(lines)
