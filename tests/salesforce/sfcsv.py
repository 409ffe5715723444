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


def _record_re(delim, crlf):
    """One whole record: fields separated by delim, ended by the job's line ending."""
    key = (delim, crlf)
    if key not in _RECORD_RE:
        d = re.escape(delim)
        field = r'(?:"[^"]*(?:""[^"]*)*"|[^"%s\r\n]*)' % d
        end = r"(?:\r\n|\Z)" if crlf else r"(?:\n|\Z)"
        _RECORD_RE[key] = re.compile(r"%s(?:%s%s)*%s" % (field, d, field, end))
    return _RECORD_RE[key]


def check(text, delim, line_ending):
    """Raises CsvError unless text is well-formed for the job.

    Decisions: for an LF job any CR fails the job, even inside quotes (reports say
    real orgs do this; it is the safe reading for a client); for a CRLF job a bare
    LF outside quotes fails it.  A UTF-8 BOM is not stripped, as on a real org."""
    crlf = line_ending == "CRLF"
    if not crlf and "\r" in text:
        raise CsvError(line_ending_error("LF"))
    record = _record_re(delim, crlf)
    pos, n = 0, len(text)
    while pos < n:
        m = record.match(text, pos)
        if m is None or m.end() == pos:
            raise CsvError(_diagnose(text, pos, delim, crlf))
        pos = m.end()


def _diagnose(text, pos, delim, crlf):
    """The errorMessage for the malformed record starting at pos."""
    field = re.compile(r'"[^"]*(?:""[^"]*)*"|[^"%s\r\n]*' % re.escape(delim))
    while True:
        pos = field.match(text, pos).end()
        c = text[pos] if pos < len(text) else ""
        if c == delim:
            pos += 1
        elif c == "\n" or (c == "\r" and not text.startswith("\r\n", pos)):
            return line_ending_error("CRLF" if crlf else "LF")
        else:
            return UNESCAPED_QUOTE


def rows(text, delim):
    """The records of text already passed by check(), as lists of strings.
    Completely empty lines are skipped."""
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"',
                          doublequote=True, strict=True):
        if row:
            yield row


def iter_rows(text, delim, line_ending):
    """check() and then rows()."""
    check(text, delim, line_ending)
    return rows(text, delim)


def result_header(lead, header, delim):
    """A result header line: the sf__ columns quoted, the uploaded names as they were."""
    return delim.join(['"%s"' % c for c in lead] + list(header))


def result_line(values, delim):
    """A result data line: every value quoted, quotes doubled."""
    sep = '"' + delim + '"'
    return '"' + sep.join(v.replace('"', '""') for v in values) + '"'


def plain_header(header, delim):
    return delim.join(header)
