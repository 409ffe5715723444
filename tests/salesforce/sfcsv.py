"""CSV as Bulk API 2.0 reads and writes it: delimiters, line endings, quoting, job-level errors."""

import csv
import io
import re

DELIMITERS = {"BACKQUOTE": "`", "CARET": "^", "COMMA": ",", "PIPE": "|",
              "SEMICOLON": ";", "TAB": "\t"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}

UNESCAPED_QUOTE = ("InvalidBatch : Failed to parse CSV. Found unescaped quote. "
                   "A value with quote should be within a quote")

csv.field_size_limit(1 << 30)   # field lengths are checked per field type, not here


class CsvError(Exception):
    """A problem that fails the whole job; str(e) is the job's errorMessage."""


def line_ending_error(line_ending):
    return ("ClientInputError : LineEnding is invalid on user data. "
            "Current LineEnding setting is %s" % line_ending)


_RECORD_RE = {}

# A quoted field with spaces before its opening or after its closing quote
# (`a, "Smith"` or `"John" ,b`): reference section 5 makes that a row error, not a
# job failure, so such a record is read with this wider field pattern.
_QUOTED = r'"[^"]*(?:""[^"]*)*"'
_SPACED = r' *%s *' % _QUOTED


def _record_re(delim, crlf, spaced=False):
    """One whole record: fields separated by delim, ended by the job's line ending.
    spaced: quoted fields may have spaces around their quotes."""
    key = (delim, crlf, spaced)
    if key not in _RECORD_RE:
        d = re.escape(delim)
        field = r'(?:%s|[^"%s\r\n]*)' % (_SPACED if spaced else _QUOTED, d)
        end = r"(?:\r\n|\Z)" if crlf else r"(?:\n|\Z)"
        _RECORD_RE[key] = re.compile(r"%s(?:%s%s)*%s" % (field, d, field, end))
    return _RECORD_RE[key]


def _field_re(delim):
    return re.compile(r'%s|[^"%s\r\n]*' % (_SPACED, re.escape(delim)))


def check(text, delim, line_ending):
    """Raises CsvError unless text is well-formed for the job; returns the (start, end)
    spans of the records that have a space before or after a quote (row errors, see
    BadRow), in order.

    Decisions: for an LF job any CR fails the job, even inside quotes (reports say
    real orgs do this; it is the safe reading for a client); for a CRLF job a bare
    LF outside quotes fails it.  A UTF-8 BOM is not stripped, as on a real org.
    A space around the quotes of a header name fails the job with the unescaped
    quote error (the header is not a record that could fail on its own); every
    other quoting problem (a quote inside an unquoted value, text other than
    spaces after a closing quote, an unterminated quote) fails the job with it too,
    as reference section 7.2 records for malformed quoting."""
    crlf = line_ending == "CRLF"
    if not crlf and "\r" in text:
        raise CsvError(line_ending_error("LF"))
    record, spaced = _record_re(delim, crlf), _record_re(delim, crlf, True)
    bad = []
    pos, n = 0, len(text)
    header_seen = False
    while pos < n:
        m = record.match(text, pos)
        if m is None or m.end() == pos:
            m = spaced.match(text, pos)
            if m is None or m.end() == pos:
                raise CsvError(_diagnose(text, pos, delim, crlf))
            if not header_seen:
                raise CsvError(UNESCAPED_QUOTE)
            bad.append((pos, m.end()))
        elif not header_seen and m.group() not in ("\n", "\r\n"):
            header_seen = True
        pos = m.end()
    return bad


def _diagnose(text, pos, delim, crlf):
    """The errorMessage for the malformed record starting at pos."""
    field = _field_re(delim)
    while True:
        pos = field.match(text, pos).end()
        c = text[pos] if pos < len(text) else ""
        if c == delim:
            pos += 1
        elif c == "\n" or (c == "\r" and not text.startswith("\r\n", pos)):
            return line_ending_error("CRLF" if crlf else "LF")
        else:
            return UNESCAPED_QUOTE


class BadRow(list):
    """A record with a space before or after the quotes of a value (`"John", "Smith"`).
    Its values are those of the record, the offending ones as sent (raw text, quotes
    and spaces included); col is the 0-based column of the first offending value."""
    col = 0


def _bad_row(record, delim):
    body = record[:-2] if record.endswith("\r\n") else \
        record[:-1] if record.endswith("\n") else record
    field = _field_re(delim)
    row, pos = BadRow(), 0
    row.col = None
    while True:
        raw = field.match(body, pos).group()
        pos += len(raw)
        inner = raw.strip(" ")
        if inner.startswith('"') and inner != raw:
            if row.col is None:
                row.col = len(row)
            row.append(raw)
        elif raw.startswith('"'):
            row.append(raw[1:-1].replace('""', '"'))
        else:
            row.append(raw)
        if pos >= len(body):
            break
        pos += 1                        # the delimiter
        if pos == len(body):
            row.append("")
            break
    row.col = row.col or 0
    return row


def rows(text, delim, bad=()):
    """The records of text already passed by check(), as lists of strings; the
    records at the spans in bad (check()'s answer) as BadRow.  Completely empty
    lines are skipped."""
    pos = 0
    for start, end in bad:
        yield from _rows(text[pos:start], delim)
        yield _bad_row(text[start:end], delim)
        pos = end
    yield from _rows(text[pos:] if pos else text, delim)


def _rows(text, delim):
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"',
                          doublequote=True, strict=True):
        if row:
            yield row


def iter_rows(text, delim, line_ending):
    """check() and then rows()."""
    return rows(text, delim, check(text, delim, line_ending))


def read_header(text, delim):
    """The header row read on its own, for echoing the uploaded names in the results
    of a job whose data could not be parsed: the first non-blank line (up to its
    first LF, a CR before that dropped), split at delim, quotes taken leniently."""
    pos = 0
    while True:
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        line = line.rstrip("\r")
        if line or end < 0:
            break
        pos = end + 1
    if not line:
        return []
    try:
        return next(csv.reader([line], delimiter=delim, quotechar='"'), [])
    except csv.Error:
        return line.split(delim)


def result_header(lead, header, delim):
    """A result header line: the sf__ columns quoted, the uploaded names as they were."""
    return delim.join(['"%s"' % c for c in lead] + list(header))


def result_line(values, delim):
    """A result data line: every value quoted, quotes doubled."""
    sep = '"' + delim + '"'
    return '"' + sep.join(v.replace('"', '""') for v in values) + '"'


def plain_header(header, delim):
    return delim.join(header)
