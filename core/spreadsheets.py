"""Every CSV the project writes goes through writer(): each cell, column headers included,
is made safe to open in a spreadsheet (CSV/formula injection, OWASP). A text cell that starts
with = + - @, a tab or a carriage return gets a leading apostrophe, which spreadsheets show as
text and never run; numbers (and text that is only a number, like "-0.250") stay as they are.
"""

import csv
import re
from collections.abc import Iterable, Iterator

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value):
    """The cell as a spreadsheet may read it: text that could start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> _SafeWriter:
    """csv.writer(out, **kwargs), with every cell of every row through safe_cell()."""
    return _SafeWriter(out, **kwargs)


class _Echo:
    """A file that hands back what is written to it: each row's text, to stream it."""

    def write(self, value):
        return value


def stream(rows: Iterable[Iterable], **kwargs) -> Iterator[str]:
    """Each row as safe CSV text as soon as it is made, for a StreamingHttpResponse: the
    whole file is never held in memory."""
    out = writer(_Echo(), **kwargs)
    for row in rows:
        yield out.writerow(row)
