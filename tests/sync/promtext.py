"""A strict reader of Prometheus' text exposition format (version 0.0.4), as
node_exporter's textfile collector takes it, for the metrics tests: every
line is a comment (# HELP / # TYPE), blank, or a sample; names and labels
are checked; a metric's TYPE comes before its samples; a metric's samples
are not split by another metric's; no sample is given twice.  parse()
returns {(name, ((label, value), ...)): float} or raises ValueError with
the line number."""

import math
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(%s)(\{(.*)\})? ([^ ]+)( -?[0-9]+)?$" % NAME)
LABEL_PAIR = re.compile(r'(%s)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)' % LABEL)
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def _value(text, n):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.match(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$", text):
        raise ValueError("line %d: %r is not a sample value" % (n, text))
    v = float(text)
    if math.isinf(v):
        raise ValueError("line %d: %r overflows" % (n, text))
    return v


def _labels(text, n):
    out, pos = [], 0
    while pos < len(text):
        m = LABEL_PAIR.match(text, pos)
        if not m:
            raise ValueError("line %d: bad labels %r" % (n, text))
        value = m.group(2).replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        out.append((m.group(1), value))
        pos = m.end()
    names = [k for k, _ in out]
    if len(set(names)) != len(names):
        raise ValueError("line %d: a label given twice" % n)
    return tuple(sorted(out))


def parse(text):
    if text and not text.endswith("\n"):
        raise ValueError("the file does not end with a newline")
    samples, types, helps, done, current = {}, {}, {}, set(), None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not re.match("^%s$" % NAME, name):
                    raise ValueError("line %d: bad metric name %r" % (n, name))
                book = types if parts[1] == "TYPE" else helps
                if name in book:
                    raise ValueError("line %d: second %s for %s" % (n, parts[1], name))
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise ValueError("line %d: bad TYPE line" % n)
                    if name in done or name == current:
                        raise ValueError("line %d: TYPE of %s after its samples" % (n, name))
                book[name] = parts[3] if len(parts) == 4 else ""
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (n, line))
        name = m.group(1)
        if name != current:
            if name in done:
                raise ValueError("line %d: samples of %s are split" % (n, name))
            if current:
                done.add(current)
            current = name
        key = (name, _labels(m.group(3) or "", n))
        if key in samples:
            raise ValueError("line %d: %s given twice" % (n, line))
        samples[key] = _value(m.group(4), n)
    return samples


def get(samples, name, **labels):
    """The value of name with exactly labels, or None."""
    return samples.get((name, tuple(sorted(labels.items()))))
