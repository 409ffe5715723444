"""Salesforce record ids: the 18-character checksum form and a deterministic id generator."""

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_B62SET = frozenset(B62)


def id18(id15):
    """The 18-character form of a 15-character id (reference section 10.3)."""
    tail = []
    for b in range(0, 15, 5):
        n = 0
        for i, c in enumerate(id15[b:b + 5]):
            if "A" <= c <= "Z":
                n |= 1 << i
        tail.append(_SUFFIX[n])
    return id15 + "".join(tail)


def normalize(value):
    """The canonical 18-character id for a 15- or 18-character id, or None.

    An 18-character id is case-insensitive: its suffix says which of the
    first 15 characters are upper case, so 'a04hs...' with the right
    suffix names the same record as 'a04Hs...'."""
    if len(value) == 15:
        return id18(value) if set(value) <= _B62SET else None
    if len(value) != 18 or not set(value) <= _B62SET:
        return None
    suffix = value[15:].upper()
    if any(c not in _SUFFIX for c in suffix):
        return None
    chars = list(value[:15])
    for b in range(3):
        bits = _SUFFIX.index(suffix[b])
        for i in range(5):
            c = chars[b * 5 + i]
            upper = bool(bits & (1 << i))
            if upper and not c.isalpha():
                return None
            chars[b * 5 + i] = c.upper() if upper else c.lower()
    return id18("".join(chars))


def to15(value):
    return value[:15]


def _b62(n, width):
    out = []
    for _ in range(width):
        n, r = divmod(n, 62)
        out.append(B62[r])
    return "".join(reversed(out))


def _unb62(text):
    n = 0
    for c in text:
        n = n * 62 + B62.index(c)
    return n


class IdGen:
    """Makes ids: key prefix + 2-character pod + 10-character sequence + checksum.

    Sequences start at a fixed mixed-case value so checksums are not all
    'AAA'; the same start and order always give the same ids."""

    POD = "Hs"
    START = _unb62("00002FIn0A")

    def __init__(self):
        self._next = {}

    def reset(self):
        self._next.clear()

    def new(self, prefix, taken=()):
        while True:
            n = self._next.get(prefix, self.START)
            self._next[prefix] = n + 1
            rid = id18(prefix + self.POD + _b62(n, 10))
            if rid not in taken:
                return rid
