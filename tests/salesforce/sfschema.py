"""The emulated org's objects: the schema file, describe results, field value parsing."""

import datetime
import re
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

import sfids
from sfwire import java_double, record_error

NULL = object()     # a "#N/A" cell: set the field to null

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?\Z")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                       r"(Z|[+-](\d{2}):(\d{2}))?\Z")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\Z")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}

# schema type -> (describe type, soapType, xsd type named in deserialisation errors)
_TYPES = {
    "id": ("id", "tns:ID", "string"),
    "string": ("string", "xsd:string", "string"),
    "email": ("email", "xsd:string", "string"),
    "url": ("url", "xsd:string", "string"),
    "textarea": ("textarea", "xsd:string", "string"),
    "picklist": ("picklist", "xsd:string", "string"),
    "currency": ("currency", "xsd:double", "double"),
    "double": ("double", "xsd:double", "double"),
    "percent": ("percent", "xsd:double", "double"),
    "date": ("date", "xsd:date", "date"),
    "datetime": ("datetime", "xsd:dateTime", "dateTime"),
    "boolean": ("boolean", "xsd:boolean", "boolean"),
    "reference": ("reference", "tns:ID", "string"),
}
NUMERIC = ("currency", "double", "percent")
TEXTUAL = ("string", "email", "url", "textarea", "picklist")


class FieldError(Exception):
    """A per-record error; str(e) is the complete sf__Error text."""


def derive_label(name):
    base = name[:-3] if name.endswith("__c") else name
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", base)


def utf16_len(text):
    """Length as Java counts it (UTF-16 code units), which is what max length means."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Field:
    def __init__(self, obj, name, spec, standard=False):
        self.obj = obj
        self.name = name
        self.type = spec["type"]
        if self.type not in _TYPES:
            raise ValueError("%s.%s: unknown type '%s'" % (obj.name, name, self.type))
        self.label = spec.get("label") or (
            obj.label + " " + name if name == "Name" else derive_label(name))
        self.length = spec.get("length", 255 if self.type == "picklist" else 0)
        self.precision = spec.get("precision", 18 if self.type in NUMERIC else 0)
        self.scale = spec.get("scale", 0)
        self.required = bool(spec.get("required"))
        self.external_id = bool(spec.get("externalId"))
        self.unique = bool(spec.get("unique"))
        self.case_sensitive = bool(spec.get("caseSensitive"))
        self.reference_to = spec.get("referenceTo")
        self.relationship_name = spec.get("relationshipName")
        self.values = list(spec.get("values", []))
        self.restricted = bool(spec.get("restricted"))
        self.standard = standard
        self.createable = spec.get("createable", True)
        self.updateable = spec.get("updateable", True)
        # A custom object's Name (and CurrencyIsoCode) get a value when an insert
        # leaves them out: the record's Id, the corporate currency.
        self.defaulted = bool(spec.get("defaulted"))
        self.indexed = self.external_id or self.unique or self.type == "id"
        t = self.type
        self._quantum = Decimal(1).scaleb(-self.scale)
        self._limit = Decimal(10) ** (self.precision - self.scale)
        self._deserialize = (self._number if t in NUMERIC else
                             {"boolean": self._boolean, "date": self._date,
                              "datetime": self._datetime}.get(t, self._as_is))
        self._validate = (self._check_number if t in NUMERIC else
                          self._check_text if t in TEXTUAL else
                          self._check_reference if t == "reference" else self._as_is)

    def match_key(self, value):
        """The key two values share when upsert or uniqueness treats them as equal:
        case-insensitive only for a unique, case-insensitive field (section 10.2)."""
        if self.type in ("id", "reference"):
            return sfids.normalize(value) or value
        return value.lower() if self.unique and not self.case_sensitive else value

    # --- parsing: first the xsd deserialisation, then the field's own rules ---

    def _bad(self, raw, col):
        return FieldError(record_error(
            "INVALID_FIELD", "Failed to deserialize field at col %d. Due to, '%s' is not a "
            "valid value for the type xsd:%s" % (col, raw, _TYPES[self.type][2]), [self.name]))

    def deserialize(self, raw, col):
        """The parsed value of a non-empty cell; col is its 0-based column."""
        return self._deserialize(raw, col)

    def validate(self, value, raw):
        """The value to store for a deserialised cell, or FieldError."""
        return self._validate(value, raw)

    @staticmethod
    def _as_is(value, _):
        return value

    def _number(self, raw, col):
        # Decision: xsd:double lexical forms (exponents too); no spaces, no NaN/INF.
        if not _NUMBER.match(raw):
            raise self._bad(raw, col)
        return Decimal(raw)

    def _boolean(self, raw, col):
        # Decision (open question 7): true/false/1/0, any case.
        v = _BOOLEANS.get(raw.lower())
        if v is None:
            raise self._bad(raw, col)
        return v

    def _date(self, raw, col):
        m = _DATE.match(raw)
        try:
            return datetime.date(*map(int, m.groups()[:3])).isoformat()
        except (AttributeError, ValueError):
            raise self._bad(raw, col) from None

    def _datetime(self, raw, col):
        m = _DATETIME.match(raw)
        if not m:
            raise self._bad(raw, col)
        y, mo, d, h, mi, s, frac, zone, zh, zm = m.groups()
        ms = (frac or ".0")[1:4].ljust(3, "0")
        try:
            value = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
            if zone and zone != "Z":
                if int(zh) > 14 or int(zm) > 59:
                    raise ValueError(zone)
                off = datetime.timedelta(hours=int(zh), minutes=int(zm))
                value = value - off if zone[0] == "+" else value + off
                y, mo, d = "%04d" % value.year, "%02d" % value.month, "%02d" % value.day
                h, mi, s = "%02d" % value.hour, "%02d" % value.minute, "%02d" % value.second
        except (ValueError, OverflowError):
            raise self._bad(raw, col) from None
        return "%s-%s-%sT%s:%s:%s.%s+0000" % (y, mo, d, h, mi, s, ms)

    def _check_number(self, value, _):
        # Decision: more decimals than the scale round half-up to the scale; then the
        # integer digits may not exceed precision - scale.
        try:
            q = value.quantize(self._quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            q = None
        if q is None or abs(q) >= self._limit:
            raise FieldError(record_error(
                "NUMBER_OUTSIDE_VALID_RANGE", "%s: value outside of valid range on "
                "numeric field: %s" % (self.label, java_double(float(value))), [self.name]))
        return q

    def _check_text(self, value, _):
        if utf16_len(value) > self.length:
            raise FieldError(record_error(
                "STRING_TOO_LONG", "%s: data value too large: %s (max length=%d)"
                % (self.label, value, self.length), [self.name]))
        if self.type == "email" and not _EMAIL.match(value):
            # Decision: the label in the text is the field's label ("Email" for Email__c),
            # matching the wording real orgs give for the standard Email field.
            raise FieldError(record_error(
                "INVALID_EMAIL_ADDRESS", "%s: invalid email address: %s"
                % (self.label, value), [self.name]))
        if self.type == "picklist" and self.restricted and value not in self.values:
            # Decision: restricted picklist values match exactly (case-sensitive).
            raise FieldError(record_error(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "%s: bad value for restricted "
                "picklist field: %s" % (self.label, value), [self.name]))
        return value

    def _check_reference(self, value, _):
        # Only the id's form here; an id that is not a record of referenceTo (other
        # object, or none) is INVALID_CROSS_REFERENCE_KEY, checked against the store.
        rid = sfids.normalize(value)
        if rid is None:
            raise FieldError(record_error(
                "MALFORMED_ID", "%s: id value of incorrect type: %s" % (self.label, value),
                [self.name]))
        return rid

    def describe(self):
        dtype, soap, _ = _TYPES[self.type]
        numeric = self.type in NUMERIC
        d = {
            "aggregatable": self.type not in ("textarea", "boolean"),
            "autoNumber": False,
            "byteLength": self.length * 3 if self.type in TEXTUAL else
            (18 if self.type in ("id", "reference") else 0),
            "calculated": False,
            "caseSensitive": self.case_sensitive,
            "createable": self.createable,
            "custom": self.name.endswith("__c"),
            "defaultValue": False if self.type == "boolean" else None,
            "defaultedOnCreate": self.type == "boolean" or not self.createable or
            self.defaulted,
            "digits": 0,
            "externalId": self.external_id,
            "extraTypeInfo": "plaintextarea" if self.type == "textarea" else None,
            "filterable": self.type != "textarea",
            "groupable": self.type not in ("textarea",) and not numeric,
            "idLookup": self.type == "id" or self.external_id,
            "label": self.label,
            "length": self.length if self.type in TEXTUAL else
            (18 if self.type in ("id", "reference") else 0),
            "name": self.name,
            "nameField": self.name == "Name",
            "nillable": not (self.required or self.type in ("boolean", "id")) and
            (self.createable or self.type != "id"),
            "picklistValues": [{"active": True, "defaultValue": False, "label": v,
                                "validFor": None, "value": v} for v in self.values],
            "precision": self.precision if numeric else 0,
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": self.relationship_name,
            "restrictedPicklist": self.restricted,
            "scale": self.scale if numeric else 0,
            "soapType": soap,
            "sortable": self.type != "textarea",
            "type": dtype,
            "unique": self.unique,
            "updateable": self.updateable,
        }
        return d


_STANDARD = [
    ("Id", {"type": "id", "createable": False, "updateable": False, "label": "Record ID"}),
    ("IsDeleted", {"type": "boolean", "createable": False, "updateable": False,
                   "label": "Deleted"}),
    ("CreatedDate", {"type": "datetime", "createable": False, "updateable": False,
                     "label": "Created Date"}),
    ("LastModifiedDate", {"type": "datetime", "createable": False, "updateable": False,
                          "label": "Last Modified Date"}),
    ("SystemModstamp", {"type": "datetime", "createable": False, "updateable": False,
                        "label": "System Modstamp"}),
]
SYSTEM_FIELDS = tuple(n for n, _ in _STANDARD)


def currency_field(obj, codes):
    """CurrencyIsoCode of a multi-currency org (reference 10.4): a restricted picklist of
    the active currencies, set to the corporate currency (codes[0]) when left out."""
    return Field(obj, "CurrencyIsoCode", {
        "type": "picklist", "length": 3, "values": list(codes), "restricted": True,
        "required": True, "defaulted": True, "label": "Currency ISO Code"}, standard=True)


class SObject:
    def __init__(self, schema, name, spec):
        self.schema = schema
        self.name = name
        self.label = spec.get("label", derive_label(name))
        self.label_plural = spec.get("labelPlural", self.label + "s")
        self.key_prefix = spec["keyPrefix"]
        self.custom = name.endswith("__c")
        self.fields = {}
        std = dict(_STANDARD)
        for fname in ("Id", "IsDeleted"):
            self.fields[fname] = Field(self, fname, std[fname], standard=True)
        for fname, fspec in spec["fields"].items():
            if fname == "Name" and self.custom:
                fspec = dict(fspec, defaulted=True)
            self.fields[fname] = Field(self, fname, fspec, standard=fname == "Name")
        if schema.currencies:
            self.fields["CurrencyIsoCode"] = currency_field(self, schema.currencies)
        for fname in SYSTEM_FIELDS[2:]:
            self.fields[fname] = Field(self, fname, std[fname], standard=True)
        self._lower = {k.lower(): f for k, f in self.fields.items()}
        data = self.data_fields()
        self.required = [f for f in data if f.required]
        self.unique = [f for f in data if f.unique]
        self.checkboxes = [f for f in data if f.type == "boolean"]
        self.defaulted = [f for f in data if f.defaulted]
        self._rel = {f.relationship_name.lower(): f for f in self.fields.values()
                     if f.relationship_name}

    def field(self, name):
        """The field called name (API names are case-insensitive), or None."""
        return self._lower.get(name.lower())

    def relationship(self, name):
        return self._rel.get(name.lower())

    def data_fields(self):
        return [f for f in self.fields.values() if f.name not in SYSTEM_FIELDS]

    def describe(self, version):
        base = "/services/data/v%s/sobjects/%s" % (version, self.name)
        children = []
        for other in self.schema.objects.values():
            for f in other.fields.values():
                if f.reference_to == self.name:
                    children.append({"cascadeDelete": False, "childSObject": other.name,
                                     "deprecatedAndHidden": False, "field": f.name,
                                     "relationshipName": None, "restrictedDelete": False})
        return {
            "actionOverrides": [], "activateable": False, "childRelationships": children,
            "createable": True, "custom": self.custom, "customSetting": False,
            "deletable": True, "deprecatedAndHidden": False, "feedEnabled": False,
            "fields": [f.describe() for f in self.fields.values()],
            "keyPrefix": self.key_prefix, "label": self.label,
            "labelPlural": self.label_plural, "layoutable": True, "mergeable": False,
            "name": self.name, "queryable": True, "replicateable": True,
            "retrieveable": True, "searchable": True, "triggerable": True,
            "undeletable": True, "updateable": True,
            "urls": {"describe": base + "/describe", "sobject": base,
                     "rowTemplate": base + "/{ID}"},
        }

    def summary(self, version):
        base = "/services/data/v%s/sobjects/%s" % (version, self.name)
        return {"activateable": False, "createable": True, "custom": self.custom,
                "customSetting": False, "deletable": True, "keyPrefix": self.key_prefix,
                "label": self.label, "labelPlural": self.label_plural, "layoutable": True,
                "name": self.name, "queryable": True, "updateable": True,
                "urls": {"describe": base + "/describe", "sobject": base,
                         "rowTemplate": base + "/{ID}"}}


class Schema:
    """doc: the schema file's JSON; currencies: the active currency codes of a
    multi-currency org, corporate currency first (empty: a single-currency org)."""

    def __init__(self, doc, currencies=()):
        self.currencies = tuple(currencies)
        self.objects = {}
        for name, spec in doc["objects"].items():
            self.objects[name] = SObject(self, name, spec)
        self._lower = {k.lower(): o for k, o in self.objects.items()}
        self.seed = doc.get("seed", {})
        for obj in self.objects.values():
            for f in obj.fields.values():
                if f.type == "reference" and f.reference_to not in self.objects:
                    raise ValueError("%s.%s: referenceTo unknown object '%s'"
                                     % (obj.name, f.name, f.reference_to))

    def get(self, name):
        """The object called name (case-insensitive), or None."""
        return self._lower.get((name or "").lower())

    def by_prefix(self, rid):
        for obj in self.objects.values():
            if rid.startswith(obj.key_prefix):
                return obj
        return None


def parse_currencies(text):
    """--multi-currency USD,EUR,...: upper-case 3-letter codes, no repeats."""
    codes = [c.strip() for c in text.split(",") if c.strip()]
    for c in codes:
        if not re.fullmatch(r"[A-Z]{3}", c):
            raise ValueError("--multi-currency: '%s' is not an ISO 4217 code" % c)
    if not codes or len(set(codes)) != len(codes):
        raise ValueError("--multi-currency: a list of distinct codes, corporate first")
    return codes
