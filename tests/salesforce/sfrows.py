"""A job's header plan and the per-record rules: keys, upsert, lookups, required, unique."""

import functools

from sfcsv import CsvError
from sfschema import FieldError, NULL, NUMERIC
from sfwire import java_double, record_error
import sfids

NA = "#N/A"
_PARSED = ("currency", "double", "percent", "boolean", "date", "datetime")
_AS_IS = ("boolean", "date", "datetime", "id")
LOCKED = record_error("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record")
RECORD_MAX_CHARS = 400000      # reference 5: characters per record
_NO_ACCESS = ("Unable to create/update fields: %s. Please check the security settings of "
              "this field and verify that it is read/write for your profile or permission set.")


def not_found(name):
    return CsvError("InvalidBatch : Field name not found : %s" % name)


class Column:
    """One header cell: a field of the job's object ('field'), the Id ('id'), or a
    parent lookup `Rel__r.ExtId__c` ('rel', with the parent object and its key field)."""

    def __init__(self, index, header, kind, field, parent=None, target=None):
        self.index, self.header, self.kind = index, header, kind
        self.field, self.parent, self.target = field, parent, target
        plain = kind == "field"
        self.deserialize = field.deserialize if plain and field.type in _PARSED else None
        self.validate = field.validate if plain and field.type not in _AS_IS else None


class Plan:
    """A job's header checked against the schema.  Raises CsvError (the job's
    errorMessage) when the header cannot be used."""

    def __init__(self, schema, obj, operation, ext_field, header):
        self.obj, self.operation, self.header = obj, operation, header
        self.ext = obj.field(ext_field) if operation == "upsert" else None
        self.columns = []
        seen = set()
        for i, name in enumerate(header):
            col = self._column(schema, i, name)
            if col.field.name in seen:
                # Decision: a field named twice (also Parent__c plus Parent__r.X) fails the job.
                raise CsvError("InvalidBatch : Duplicate field name: %s" % name)
            seen.add(col.field.name)
            self.columns.append(col)
        if operation in ("delete", "hardDelete"):
            if [c.kind for c in self.columns] != ["id"]:
                # Decision (open question 11): a delete file has exactly one column, Id.
                raise CsvError("InvalidBatch : The '%s' batch must contain only the 'Id' field"
                               % operation)
        key_field = self.ext if self.ext else obj.fields["Id"]
        self.key_col = None
        if operation != "insert":
            for c in self.columns:
                if c.field is key_field and c.kind != "rel":
                    self.key_col = c.index
        self.value_columns = [c for c in self.columns if c.kind != "id"]
        self.numeric = {c.index for c in self.columns
                        if c.kind == "field" and c.field.type in NUMERIC}

    def _column(self, schema, i, name):
        obj = self.obj
        if ":" in name:
            rel = obj.relationship(name.split(":", 1)[1].split(".", 1)[0])
            if rel:
                raise CsvError("InvalidBatch : type is not needed for non polymorphic "
                               "foreign key references: %s" % name)
            raise not_found(name)
        if "." in name:
            rel_name, key = name.split(".", 1)
            ref = obj.relationship(rel_name)
            if not ref:
                raise not_found(name)
            parent = schema.get(ref.reference_to)
            target = parent.field(key)
            if target is None or not (target.type == "id" or target.external_id):
                raise not_found(name)
            return Column(i, name, "rel", ref, parent, target)
        f = obj.field(name)
        if f is None:
            raise not_found(name)
        return Column(i, name, "id" if f.type == "id" else "field", f)

    def row_key(self, row):
        """The value that identifies the row's record (external id or Id), or None."""
        if self.key_col is None:
            return None
        raw = row[self.key_col]
        if raw in ("", NA):
            return None
        if self.ext is not None and self.ext.type != "id":
            return self.ext.match_key(raw)
        return sfids.normalize(raw) or raw

    def echo(self, row):
        """Successful-result values: double/currency re-serialised Java-style, the rest as sent."""
        out = list(row)
        for i in self.numeric:
            v = row[i]
            if v not in ("", NA):
                out[i] = _echo_number(v)
        return out


@functools.lru_cache(maxsize=8192)
def _echo_number(raw):
    return java_double(float(raw))


class Outcome:
    __slots__ = ("rid", "created", "error")

    def __init__(self, rid="", created=False, error=None):
        self.rid, self.created, self.error = rid, created, error


def apply_row(store, plan, row, stamp, dup_keys=frozenset(), lock=False):
    """Validates one record and, when it passes, writes it (stamp: modification time).
    Checks run in this order: the record's length, value deserialisation (first bad
    column wins), the record key, parent lookups, field rules, required fields, unique
    fields, then the injected lock failure (so only a record that would succeed reports
    a lock)."""
    chars = sum(len(v) for v in row)
    if chars > RECORD_MAX_CHARS:
        return Outcome("", False, record_too_long(chars))
    try:
        parsed = _deserialize(plan, row)
        target = _resolve_target(store, plan, row, dup_keys)
    except FieldError as e:
        return Outcome("", False, str(e))
    rid = target or ""
    try:
        if plan.operation in ("delete", "hardDelete"):
            if lock:
                return Outcome(rid, False, LOCKED)
            store.delete(plan.obj, target, hard=plan.operation == "hardDelete")
            return Outcome(rid, False)
        values = _values(store, plan, parsed, target)
        _check_required(plan, values, target)
        _check_unique(store, plan, values, target)
    except FieldError as e:
        return Outcome(rid, False, str(e))
    if lock:
        return Outcome(rid, False, LOCKED)
    if target:
        store.update(plan.obj, target, values, stamp)
        return Outcome(target, False)
    return Outcome(store.insert(plan.obj, values, stamp), True)


def record_too_long(chars):
    """The sf__Error of a record over RECORD_MAX_CHARS characters.  Decision: reference
    section 5 gives the limit (400,000 characters per record) but not how it is counted
    nor the error; here the characters (code points) of the record's values as sent,
    quotes and delimiters not counted, and STRING_TOO_LONG, the code of a value over its
    field's length, with no field named."""
    return record_error("STRING_TOO_LONG", "record too long: %d characters, the maximum "
                        "is %d" % (chars, RECORD_MAX_CHARS))


def _deserialize(plan, row):
    parsed = []
    for c in plan.value_columns:
        raw = row[c.index]
        if raw == "":
            continue                    # empty: leave the field as it is
        if raw == NA:
            parsed.append((c, NULL, raw))
        elif c.deserialize is not None:
            parsed.append((c, c.deserialize(raw, c.index), raw))
        else:
            parsed.append((c, raw, raw))
    return parsed


def _resolve_target(store, plan, row, dup_keys):
    """The id of the record the row changes, or None for a new record."""
    op, obj = plan.operation, plan.obj
    raw = row[plan.key_col] if plan.key_col is not None else ""
    if op == "insert":
        for c in plan.columns:
            if c.kind == "id" and row[c.index] not in ("", NA):
                raise FieldError(record_error(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call",
                    ["Id"]))
        return None
    if op == "upsert" and plan.ext.type != "id":
        if raw in ("", NA):
            raise FieldError(record_error("MISSING_ARGUMENT", "%s not specified" % plan.ext.name))
        if plan.ext.match_key(raw) in dup_keys:
            raise FieldError(record_error("DUPLICATE_EXTERNAL_ID",
                                          "Duplicate external id specified: %s" % raw,
                                          [plan.ext.name]))
        found = store.find(obj, plan.ext, raw)
        if len(found) > 1:
            raise FieldError(record_error(
                "DUPLICATE_EXTERNAL_ID", "%s: more than one record found for external id "
                "field: [%s]" % (plan.ext.label, ", ".join(found))))
        return found[0] if found else None
    if raw in ("", NA):
        if op == "upsert":
            return None                 # upsert on Id without an Id inserts
        article = "a" if op in ("delete", "hardDelete") else "an"
        raise FieldError(record_error("MISSING_ARGUMENT", "Id not specified in %s %s call"
                                      % (article, op)))
    rid = sfids.normalize(raw)
    if rid is None or not rid.startswith(obj.key_prefix):
        raise FieldError(record_error("MALFORMED_ID", "%s ID: id value of incorrect type: %s"
                                      % (obj.label, raw), ["Id"]))
    if rid in dup_keys:
        raise FieldError(record_error("DUPLICATE_VALUE", "Duplicate id specified: %s" % rid))
    if store.get(obj, rid) is None:
        if store.is_deleted(obj, rid):
            raise FieldError(record_error("ENTITY_IS_DELETED", "entity is deleted"))
        raise FieldError(record_error("INVALID_CROSS_REFERENCE_KEY",
                                      "invalid cross reference id"))
    return rid


def _values(store, plan, parsed, target):
    """Field name -> value to store (None clears) for the parsed cells."""
    values = {}
    lookups = [(c, v) for c, v, _ in parsed if c.kind == "rel" and v is not NULL]
    for c, raw in lookups:
        found = store.find(c.parent, c.target, raw)
        if not found:
            raise FieldError(record_error(
                "INVALID_FIELD", "Foreign key external ID: %s not found for field %s in "
                "entity %s" % (raw, c.target.name, c.parent.name)))
        if len(found) > 1:
            raise FieldError(record_error(
                "DUPLICATE_EXTERNAL_ID", "%s: more than one record found for external id "
                "field: [%s]" % (c.target.label, ", ".join(found))))
        values[c.field.name] = found[0]
    for c, v, raw in parsed:
        f = c.field
        allowed = f.updateable if target else f.createable
        if not allowed:
            raise FieldError(record_error("INVALID_FIELD_FOR_INSERT_UPDATE",
                                          _NO_ACCESS % f.name, [f.name]))
        if v is NULL:
            values[f.name] = False if f.type == "boolean" else None
        elif c.kind == "rel":
            continue
        else:
            values[f.name] = v if c.validate is None else c.validate(v, raw)
            if f.type == "reference":
                parent = store.schema.get(f.reference_to)
                if store.get(parent, values[f.name]) is None:
                    raise FieldError(record_error("INVALID_CROSS_REFERENCE_KEY",
                                                  "invalid cross reference id"))
    return values


def _check_required(plan, values, target):
    missing = []
    for f in plan.obj.required:
        if (f.name in values and values[f.name] is None) or \
                (not target and f.name not in values and not f.defaulted):
            missing.append(f.name)
    if missing:
        raise FieldError(record_error("REQUIRED_FIELD_MISSING", "Required fields are missing: "
                                      "[%s]" % ", ".join(missing), missing))


def _check_unique(store, plan, values, target):
    for f in plan.obj.unique:
        v = values.get(f.name)
        if v is None:
            continue
        for other in store.find(plan.obj, f, v):
            if other != target:
                raise FieldError(record_error(
                    "DUPLICATE_VALUE", "duplicate value found: %s duplicates value on record "
                    "with id: %s" % (f.name, other)))
