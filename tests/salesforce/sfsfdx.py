"""The org model from a Salesforce DX source folder (`--schema-sfdx DIR`).

Reads every objects/<Object>/<Object>.object-meta.xml under DIR (a project root or its
force-app folder) with the fields/<Field>.field-meta.xml beside it, and turns them into
the schema file's compact form (docs/emulator.md "Schema file"), so that a project
`billsync schema` wrote can be the emulated org.  Objects the folder defines replace
those of the base schema file; the others (standard objects such as Account) and the
seed records stay.  An objects/<Object>/ folder with fields but no object file adds
its custom fields to a standard object of the base schema (a custom field on
Account)."""

import os
import xml.etree.ElementTree as ET

MD = "{http://soap.sforce.com/2006/04/metadata}"

# Metadata API field type -> (schema type, default length)
_TYPES = {
    "Text": ("string", 255), "TextArea": ("textarea", 255),
    "LongTextArea": ("textarea", 32768), "Html": ("textarea", 32768),
    "Email": ("email", 80), "Url": ("url", 255), "Phone": ("string", 40),
    "Number": ("double", 0), "Currency": ("currency", 0), "Percent": ("percent", 0),
    "Date": ("date", 0), "DateTime": ("datetime", 0), "Checkbox": ("boolean", 0),
    "Picklist": ("picklist", 255), "Lookup": ("reference", 0),
}


class SfdxError(ValueError):
    pass


def _text(el, name, default=None):
    child = el.find(MD + name)
    return default if child is None or child.text is None else child.text.strip()


def _parse(path, root_tag):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        raise SfdxError("%s: %s" % (path, e)) from None
    if root.tag != MD + root_tag:
        raise SfdxError("%s: root element %s, expected %s" % (path, root.tag, root_tag))
    return root


def _field(path, obj_name):
    el = _parse(path, "CustomField")
    name = _text(el, "fullName")
    mtype = _text(el, "type")
    if not name or mtype not in _TYPES:
        raise SfdxError("%s: field %s of unknown type %s" % (path, name, mtype))
    stype, length = _TYPES[mtype]
    spec = {"type": stype}
    label = _text(el, "label")
    if label:
        spec["label"] = label
    if stype in ("string", "textarea", "email", "url", "picklist"):
        spec["length"] = int(_text(el, "length", length))
    if stype in ("double", "currency", "percent"):
        spec["precision"] = int(_text(el, "precision", "18"))
        spec["scale"] = int(_text(el, "scale", "0"))
    for xml_name, key in (("externalId", "externalId"), ("unique", "unique"),
                          ("caseSensitive", "caseSensitive"), ("required", "required")):
        if _text(el, xml_name) == "true":
            spec[key] = True
    if stype == "reference":
        spec["referenceTo"] = _text(el, "referenceTo")
        # the relationship a child row names (Parent__r.Key__c) follows from the
        # field's own name; <relationshipName> is the child relationship on the parent
        spec["relationshipName"] = name[:-3] + "__r" if name.endswith("__c") else name
        if not spec["referenceTo"]:
            raise SfdxError("%s: a Lookup needs referenceTo" % path)
    if stype == "picklist":
        vs = el.find(MD + "valueSet")
        if vs is None:
            raise SfdxError("%s: a Picklist needs a valueSet" % path)
        spec["restricted"] = _text(vs, "restricted") == "true"
        spec["values"] = [_text(v, "fullName") for v in
                          vs.iter(MD + "value") if _text(v, "fullName") is not None]
    return name, spec


def _object(folder, name, prefix):
    el = _parse(os.path.join(folder, name + ".object-meta.xml"), "CustomObject")
    label = _text(el, "label") or name
    spec = {"keyPrefix": prefix, "label": label, "fields": {}}
    plural = _text(el, "pluralLabel")
    if plural:
        spec["labelPlural"] = plural
    nf = el.find(MD + "nameField")
    if nf is not None and name.endswith("__c"):
        spec["fields"]["Name"] = {"type": "string", "length": 80, "required": True,
                                  "label": _text(nf, "label") or label + " Name"}
    return _fields(folder, name, spec)


def _fields(folder, name, spec):
    """spec with the fields of folder/fields/ added."""
    fdir = os.path.join(folder, "fields")
    for fn in sorted(os.listdir(fdir)) if os.path.isdir(fdir) else ():
        if fn.endswith(".field-meta.xml"):
            fname, fspec = _field(os.path.join(fdir, fn), name)
            spec["fields"][fname] = fspec
    return spec


def _objects_dirs(root):
    """Every objects/ folder under root, sorted (a project may have several packages)."""
    found = []
    for dirpath, dirnames, _ in os.walk(root):
        dirnames.sort()
        if os.path.basename(dirpath) == "objects":
            found.append(dirpath)
            dirnames[:] = []
    return found


def merge(doc, root):
    """doc (the schema file's JSON) with the objects of the DX folder root."""
    if not os.path.isdir(root):
        raise SfdxError("%s: not a folder" % root)
    objects = dict(doc["objects"])
    used = {o["keyPrefix"] for o in objects.values()}
    names, extended = [], []
    for odir in _objects_dirs(root):
        for name in sorted(os.listdir(odir)):
            if os.path.isfile(os.path.join(odir, name, name + ".object-meta.xml")):
                names.append((odir, name))
            elif os.path.isdir(os.path.join(odir, name, "fields")):
                extended.append((odir, name))
    if not names and not extended:
        raise SfdxError("%s: no objects/<Object>/<Object>.object-meta.xml" % root)
    for odir, name in extended:
        if name not in objects or name.endswith("__c"):
            raise SfdxError("%s: fields of %s, which has no %s.object-meta.xml and is not "
                            "a standard object of the schema" % (os.path.join(odir, name),
                                                                 name, name))
        spec = dict(objects[name], fields=dict(objects[name]["fields"]))
        objects[name] = _fields(os.path.join(odir, name), name, spec)
    n = 0
    for odir, name in names:
        prefix = objects[name]["keyPrefix"] if name in objects else None
        while prefix is None or (prefix in used and name not in objects):
            n += 1
            prefix = "a%02d" % n if n < 100 else "b%02d" % (n - 100)
        used.add(prefix)
        objects[name] = _object(os.path.join(odir, name), name, prefix)
    return {"objects": objects, "seed": doc.get("seed", {})}
