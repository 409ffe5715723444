"""The emulated org's records, with indexes on external id and unique fields."""

import sfids
from sfwire import sf_time


class Store:
    """Records per object, keyed by 18-character id.  Not thread-safe: the caller
    holds the org lock."""

    def __init__(self, schema, ids):
        self.schema = schema
        self.ids = ids
        self.reset()

    def reset(self):
        self.records = {name: {} for name in self.schema.objects}
        self.deleted = {name: set() for name in self.schema.objects}
        self.index = {name: {f.name: {} for f in obj.fields.values()
                             if f.indexed and f.type != "id"}
                      for name, obj in self.schema.objects.items()}

    def seed(self, now):
        stamp = sf_time(now)
        for obj_name, rows in self.schema.seed.items():
            obj = self.schema.get(obj_name)
            for row in rows:
                values = {obj.field(k).name: v for k, v in row.items() if k != "Id"}
                self.insert(obj, values, stamp, rid=row.get("Id"))

    def count(self):
        """Records stored, of every object."""
        return sum(len(r) for r in self.records.values())

    def get(self, obj, rid):
        return self.records[obj.name].get(rid)

    def is_deleted(self, obj, rid):
        return rid in self.deleted[obj.name]

    def find(self, obj, field, value):
        """Ids of the records whose field matches value (section 10.2 matching rules)."""
        if field.type == "id":
            rid = sfids.normalize(value)
            return [rid] if rid and rid in self.records[obj.name] else []
        return sorted(self.index[obj.name][field.name].get(field.match_key(value), ()))

    def _index(self, obj, rid, values, add):
        for fname, by_key in self.index[obj.name].items():
            v = values.get(fname)
            if v is None:
                continue
            key = obj.fields[fname].match_key(v)
            if add:
                by_key.setdefault(key, set()).add(rid)
            else:
                ids = by_key.get(key)
                if ids:
                    ids.discard(rid)
                    if not ids:
                        del by_key[key]

    def insert(self, obj, values, stamp, rid=None):
        """Stores a new record; stamp is its CreatedDate text.  Returns the id."""
        rid = sfids.normalize(rid) if rid else self.ids.new(
            obj.key_prefix, self.records[obj.name])
        rec = {"Id": rid, "IsDeleted": False, "CreatedDate": stamp,
               "LastModifiedDate": stamp, "SystemModstamp": stamp}
        rec.update({k: v for k, v in values.items() if v is not None})
        for f in obj.checkboxes:
            if f.name not in rec:
                rec[f.name] = False     # a checkbox is never null
        for f in obj.defaulted:
            if rec.get(f.name) is None:
                # a custom object's Name: the record's Id; CurrencyIsoCode: the
                # corporate currency (the running user's, reference 10.4)
                rec[f.name] = rid if f.name == "Name" else self.schema.currencies[0]
        self.records[obj.name][rid] = rec
        self._index(obj, rid, rec, True)
        return rid

    def update(self, obj, rid, values, stamp):
        rec = self.records[obj.name][rid]
        self._index(obj, rid, rec, False)
        for k, v in values.items():
            if v is None:
                rec.pop(k, None)
            else:
                rec[k] = v
        rec["LastModifiedDate"] = rec["SystemModstamp"] = stamp
        self._index(obj, rid, rec, True)

    def delete(self, obj, rid, hard=False):
        """Moves the record to the recycle bin (a later delete or update of its id gets
        ENTITY_IS_DELETED); a hard delete removes it altogether (its id is then unknown)."""
        rec = self.records[obj.name].pop(rid)
        self._index(obj, rid, rec, False)
        if not hard:
            self.deleted[obj.name].add(rid)

    def dump(self, obj):
        """Every record as dicts for sfwire.exact_json: each field present, None when
        unset; numbers stay Decimal (exact)."""
        names = [f.name for f in obj.fields.values()]
        return [{n: rec.get(n) for n in names} for rec in self.records[obj.name].values()]
