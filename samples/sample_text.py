"""sample_text.py - the values of make_samples.py: dates and ISO 8601
timestamps, exact decimals, compact JSON, and CSV."""
import json
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sample_base import COLUMNS, SCALE, UTC, R


def ts(dt, style="Z"):
    """ISO 8601 in UTC ('Z' or '+00:00') or in Tokyo time ('+09:00')."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    if style == "+09:00":
        return (dt + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%S") + "+09:00"
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if style == "Z" else "+00:00")


def any_ts(dt):
    return ts(dt, "Z" if R.chance(70) else "+00:00")


def d(y, m, day, hh=0, mm=0, ss=0):
    return datetime(y, m, day, hh, mm, ss, tzinfo=UTC)


def add_months(dt, n):
    m = dt.month - 1 + n
    return dt.replace(year=dt.year + m // 12, month=m % 12 + 1)


def money(x, cur):
    q = Decimal(1).scaleb(-SCALE[cur])
    return str(Decimal(x).quantize(q, rounding=ROUND_HALF_UP))


def rnd(x, places):
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def num(x):
    """A decimal as a JSON number would print it: no exponent, no trailing zeros."""
    s = format(Decimal(x), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def dlir_amount(x, cur):
    """An exact daily amount: up to 6 decimals, at least the currency's scale."""
    s = format(rnd(x, 6), "f").rstrip("0")
    whole, frac = s.split(".")
    frac = frac.ljust(SCALE[cur], "0")
    return whole + ("." + frac if frac else "")


def cjson(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def csv_field(v):
    if v is None:
        return ""
    s = str(v)
    if any(c in s for c in ',"\r\n') or s != s.strip():
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_bytes(name, rows, eol="\n", bom=False):
    cols = COLUMNS[name]
    out = [",".join(cols)]
    for r in rows:
        assert set(r) == set(cols), (name, set(r) ^ set(cols))
        out.append(",".join(csv_field(r[c]) for c in cols))
    data = (eol.join(out) + eol).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data
