"""Salesforce wire formats: Jackson-style JSON, timestamps, Java double text, error bodies."""

import json
import math
import time
from decimal import Decimal

_enc = json.JSONEncoder(ensure_ascii=False)


def jackson(value):
    """JSON as Jackson's default pretty printer writes it (the recorded Bulk 2.0 style):
    objects one key per line as `"key" : value`, two spaces per enclosing object,
    arrays inline as `[ a, b ]`, so an error array reads `[ {` ... `} ]`."""
    out = []
    _jackson(value, 0, out)
    return "".join(out)


def _jackson(v, depth, out):
    if isinstance(v, dict):
        if not v:
            out.append("{ }")
            return
        out.append("{")
        first = True
        for k, item in v.items():
            out.append("\n" if first else ",\n")
            first = False
            out.append("  " * (depth + 1) + _enc.encode(k) + " : ")
            _jackson(item, depth + 1, out)
        out.append("\n" + "  " * depth + "}")
    elif isinstance(v, list):
        if not v:
            out.append("[ ]")
            return
        out.append("[ ")
        for i, item in enumerate(v):
            if i:
                out.append(", ")
            _jackson(item, depth, out)
        out.append(" ]")
    else:
        out.append(_enc.encode(v))


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def exact_json(value, indent=None, _depth=0):
    """JSON like compact() (or json.dumps(indent=N)), but a Decimal is written as a
    number with its exact digits (plain notation), never rounded through a float."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        items = [_enc.encode(str(k)) + (": " if indent is not None else ":") +
                 exact_json(v, indent, _depth + 1) for k, v in value.items()]
        return _wrap("{", items, "}", indent, _depth)
    if isinstance(value, (list, tuple)):
        return _wrap("[", [exact_json(v, indent, _depth + 1) for v in value], "]", indent,
                     _depth)
    return _enc.encode(value)


def _wrap(open_, items, close, indent, depth):
    if not items:
        return open_ + close
    if indent is None:
        return open_ + ",".join(items) + close
    pad = "\n" + " " * (indent * (depth + 1))
    return open_ + pad + ("," + pad).join(items) + "\n" + " " * (indent * depth) + close


def sf_time(epoch):
    """A timestamp as Salesforce writes it: 2024-09-09T19:25:27.000+0000."""
    ms = int(round(epoch * 1000))
    secs, ms = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%03d+0000" % ms


def java_double(x):
    """Java's Double.toString: plain with at least one decimal for 1e-3 <= |x| < 1e7,
    otherwise d.dddE<n> (912260031 -> 9.12260031E8, 1500 -> 1500.0)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign = "-" if x < 0 else ""
    t = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    exp10 = len(digits) + t.exponent - 1    # power of ten of the first digit
    if 1e-3 <= abs(x) < 1e7:
        if exp10 >= 0:
            whole = digits[:exp10 + 1].ljust(exp10 + 1, "0")
            frac = digits[exp10 + 1:] or "0"
        else:
            whole = "0"
            frac = "0" * (-exp10 - 1) + digits
        return "%s%s.%s" % (sign, whole, frac)
    return "%s%s.%sE%d" % (sign, digits[0], digits[1:] or "0", exp10)


def rest_error(code, message):
    """A REST platform error body: compact, message first."""
    return compact([{"message": message, "errorCode": code}])


def bulk_error(code, message):
    """A Bulk 2.0 error body: Jackson style, errorCode first."""
    return jackson([{"errorCode": code, "message": message}])


def record_error(code, message, fields=()):
    """An sf__Error value: CODE:message:Field1,Field2 -- or CODE:message:-- without fields."""
    if fields:
        return "%s:%s:%s --" % (code, message, ",".join(fields))
    return "%s:%s:--" % (code, message)
