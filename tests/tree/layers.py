#!/usr/bin/env python3
"""layers.py - the layers of billsync stay layered.

Run from anywhere after the build (BUILD, default build, must hold
san/lib*.a); prints TAP lines.  The layers and what each may call come from
the Makefile's LAYERS and LAYER_DEPS_* lines.  Checked:
  includes  in a layer folder (formats/, etl/LAYER/), every #include "..."
            either names a header of the same folder plainly ("sbuf.h") or
            names a header of an allowed layer by its layer
            ("formats/sbuf.h", "map/decimal.h"), and that header exists;
  symbols   every symbol a layer's objects leave undefined (nm on
            BUILD/san/libLAYER.a) is defined by that layer, by an allowed
            layer, or outside the project (libc, the libraries it links);
  circles   no include circle among modules: module A -> B
            when A.c, A.h or A_int.h includes B.h or B_int.h (a module is
            what one name has in one folder: NAME.c, NAME.h and its internal
            header NAME_int.h, or a header alone); every circle is named.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_layers():
    """[(layer, allowed layers)] bottom up, from the Makefile."""
    text = open(os.path.join(ROOT, "Makefile")).read()
    order = re.search(r"^LAYERS\s*:=\s*(.*)$", text, re.M).group(1).split()
    deps = {m.group(1): m.group(2).split()
            for m in re.finditer(r"^LAYER_DEPS_(\w+)\s*:=[ \t]*(.*)$", text, re.M)}
    return [(l, deps.get(l, [])) for l in order]


def layer_dir(layer):
    return "formats" if layer == "formats" else "etl/" + layer


def sources(layer):
    d = os.path.join(ROOT, layer_dir(layer))
    return sorted(f for f in os.listdir(d) if f.endswith((".c", ".h")))


def includes(layer, name):
    with open(os.path.join(ROOT, layer_dir(layer), name), encoding="utf-8") as f:
        return INCLUDE_RE.findall(f.read())


def check_includes(layers):
    """Each bad #include as 'file: message'."""
    names = {l for l, _ in layers}
    bad = []
    for layer, deps in layers:
        for src in sources(layer):
            where = "%s/%s" % (layer_dir(layer), src)
            for inc in includes(layer, src):
                head, _, rest = inc.partition("/")
                if not rest:
                    path = os.path.join(ROOT, layer_dir(layer), inc)
                    if not os.path.isfile(path):
                        bad.append("%s: \"%s\" is not in %s/ (name the layer)"
                                   % (where, inc, layer_dir(layer)))
                elif head not in names or "/" in rest:
                    bad.append("%s: \"%s\" names no layer" % (where, inc))
                elif head == layer:
                    bad.append("%s: \"%s\": a header of the same folder is "
                               "included plainly" % (where, inc))
                elif head not in deps:
                    bad.append("%s: \"%s\": %s may not call %s (Makefile "
                               "LAYER_DEPS_%s)" % (where, inc, layer, head, layer))
                elif not os.path.isfile(os.path.join(ROOT, layer_dir(head), rest)):
                    bad.append("%s: \"%s\" does not exist" % (where, inc))
    return bad


def nm(archive):
    """(defined, undefined) global symbols of an archive, each symbol mapped
    to the object that defines or needs it."""
    out = subprocess.run(["nm", "-A", "-g", archive], capture_output=True,
                         text=True, check=True).stdout
    defined, undefined = {}, {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 and not (len(parts) == 2 and parts[1] == "U"):
            continue
        where, kind, sym = parts[0], parts[-2], parts[-1]
        obj = where.split(":")[1] if ":" in where else where
        if kind == "U":
            undefined.setdefault(sym, obj)
        elif kind not in ("w", "v"):
            defined.setdefault(sym, obj)
    return defined, undefined


def check_symbols(layers, build):
    bad, missing = [], []
    syms = {}
    for layer, _ in layers:
        lib = os.path.join(build, "san", "lib%s.a" % layer)
        if not os.path.isfile(lib):
            missing.append(lib)
            continue
        syms[layer] = nm(lib)
    if missing:
        return ["not built: " + m for m in missing]
    owner = {}
    for layer, _ in layers:
        for sym in syms[layer][0]:
            owner.setdefault(sym, layer)
    for layer, deps in layers:
        defined, undefined = syms[layer]
        for sym, obj in sorted(undefined.items()):
            if sym in defined or sym not in owner or owner[sym] in deps:
                continue
            bad.append("%s/%s: calls %s of %s, which %s may not call "
                       "(Makefile LAYER_DEPS_%s)"
                       % (layer_dir(layer), obj.replace(".o", ".c"), sym,
                          owner[sym], layer, layer))
    return bad


def module_of(path):
    """'folder/name' for folder/name.c, folder/name.h and the module's
    internal header folder/name_int.h."""
    base = os.path.splitext(path)[0]
    return base[:-4] if base.endswith("_int") else base


def module_graph(layers):
    """module -> set of modules it includes."""
    graph = {}
    for layer, _ in layers:
        d = layer_dir(layer)
        for src in sources(layer):
            mod = module_of("%s/%s" % (d, src))
            edges = graph.setdefault(mod, set())
            for inc in includes(layer, src):
                head, _, rest = inc.partition("/")
                target = module_of(("%s/%s" % (d, inc)) if not rest else
                                   "%s/%s" % (layer_dir(head), rest))
                if target != mod:
                    edges.add(target)
    return graph


def circles(graph):
    """The strongly connected components with more than one module
    (Tarjan), each as a sorted list."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def shortest_circle(start, members, graph):
    """The shortest circle from start back to it within members (breadth
    first), as a list of modules."""
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while prev[path[-1]]:
                    path.append(prev[path[-1]])
                return path[::-1] + [start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return [start]


def describe(comp, graph):
    """The shortest circle among the modules of comp, as 'a -> b -> a',
    and all of them."""
    best = min((shortest_circle(m, set(comp), graph) for m in comp), key=len)
    return "%s (all: %s)" % (" -> ".join(best), ", ".join(comp))


def main(argv):
    build = os.environ.get("BUILD", "build")
    if not os.path.isabs(build):
        build = os.path.join(ROOT, build)
    layers = read_layers()
    checks = [("layers: includes name an allowed layer", check_includes(layers)),
              ("layers: undefined symbols are defined below",
               check_symbols(layers, build))]
    graph = module_graph(layers)
    checks.append(("layers: no include circle among modules",
                   [describe(c, graph) for c in circles(graph)]))
    for i, (name, bad) in enumerate(checks, 1):
        print("%sok %d - %s" % ("not " if bad else "", i, name))
        for b in bad:
            print("#   " + b)
    print("1..%d" % len(checks))
    return 1 if any(bad for _, bad in checks) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
