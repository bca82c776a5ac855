#!/usr/bin/python3
"""tests/layers.py - the server's layers, checked with the linker's own view.

Usage: layers.py BUILD_DIR FILES_JSON  (prints TAP)

FILES_JSON is what GET /source/files answered: the server's one list of
its source files, by layer, bottom layer first (teach/source.c).  Checks:

  1. the list and the tree agree: every server .c and .h in the tree is
     listed, and every listed file exists;
  2. nothing lower names anything higher: for every object, `nm -u` gives
     the symbols it uses and `nm --defined-only` those the others define;
     a use of a symbol defined in a higher layer fails;
  3. no cycle between units: a unit A that uses B while B, directly or
     through others, uses A (Tarjan's strongly connected components over
     the same graph; within one layer units may use each other, but only
     one way);
  4. no dead export: every function or object a unit exports is used by
     another unit, or by a unit test or fuzzer (by name in tests/unit/ or
     fuzz/); otherwise it should be static, or gone;
  5. no server source file over MAX_FILE_LINES lines, no function over
     MAX_FUNCTION_LINES.
"""
import glob
import json
import os
import re
import subprocess
import sys

MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 80
SERVER_DIRS = ['.', 'core', 'net', 'teach']   # where server sources live

count = 0
failed = 0


def ok(cond, desc, details=()):
    global count, failed
    count += 1
    if not cond:
        failed += 1
    print(('ok' if cond else 'not ok') + ' %d - %s' % (count, desc))
    for line in details:
        print('# ' + line)
    return cond


def tree_files():
    found = set()
    for d in SERVER_DIRS:
        for name in os.listdir(d):
            if name.endswith(('.c', '.h')):
                found.add(os.path.normpath(os.path.join(d, name)))
    return found


def symbols(obj, defined):
    args = ['nm', '-g', '--defined-only', obj] if defined else ['nm', '-u', obj]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        # Names that begin with two underscores are the implementation's
        # (C11 7.1.3): what a sanitizer or gcov adds to an instrumented
        # object (gcc's ASan exports __odr_asan.NAME beside each global),
        # never a link between our units.
        if parts and not parts[-1].startswith('__'):
            names.add(parts[-1])
    return names


def strongly_connected(graph):
    """Tarjan's algorithm; returns the components with more than one unit."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def long_functions(path):
    """(name, lines) of each function whose body runs over the limit: a
    function starts at a line '{' in column 0 and ends at '}' in column 0."""
    out, start, head = [], None, ''
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    for i, line in enumerate(lines):
        if line.startswith('{'):
            start = i
            head = lines[i - 1].strip() if i > 0 else ''
        elif line.startswith('}') and start is not None:
            if i - start - 1 > MAX_FUNCTION_LINES:
                out.append((head, i - start - 1))
            start = None
    return out


def main():
    build, files_json = sys.argv[1], sys.argv[2]
    with open(files_json, encoding='utf-8') as f:
        layers = json.load(f)['layers']
    layer_of = {}
    for rank, layer in enumerate(layers):
        for entry in layer['files']:
            layer_of[entry['name']] = (rank, layer['id'])

    listed = {n for n in layer_of if n.endswith(('.c', '.h'))}
    tree = tree_files()
    ok(tree - listed == set(), 'every server source file in the tree is in the list (teach/source.c)',
       ['not listed: ' + n for n in sorted(tree - listed)])
    ok(listed - tree == set(), 'every listed file exists',
       ['missing: ' + n for n in sorted(listed - tree)])

    units = sorted(n[:-2] for n in listed if n.endswith('.c'))
    defined, used = {}, {}
    for u in units:
        obj = os.path.join(build, u + '.o')
        if not os.path.exists(obj):
            ok(False, 'object %s exists (build the server first)' % obj)
            continue
        defined[u] = symbols(obj, True)
        used[u] = symbols(obj, False)
    owner = {}
    for u, syms in defined.items():
        for s in syms:
            owner[s] = u
    graph = {u: set() for u in defined}
    why = {}
    for u, syms in used.items():
        for s in sorted(syms):
            v = owner.get(s)
            if v is not None and v != u:
                graph[u].add(v)
                why.setdefault((u, v), s)

    upward = []
    for u in sorted(graph):
        for v in sorted(graph[u]):
            (ru, lu), (rv, lv) = layer_of[u + '.c'], layer_of[v + '.c']
            if rv > ru:
                upward.append('%s (%s) uses %s of %s (%s), a higher layer'
                              % (u, lu, why[(u, v)], v, lv))
    ok(not upward, 'nothing lower names anything higher (nm over %d objects, %d links)'
       % (len(graph), sum(len(e) for e in graph.values())), upward)

    cycles = strongly_connected(graph)
    ok(not cycles, 'no cycle between units', ['cycle through: ' + ' <-> '.join(c) for c in cycles])

    all_used = set().union(*used.values()) if used else set()
    test_text = ''.join(open(f, encoding='utf-8').read()
                        for f in glob.glob('tests/unit/*.c') + glob.glob('fuzz/*.c'))
    dead = []
    for s in sorted(owner):
        if s == 'main' or s in all_used or re.search(r'\b%s\b' % re.escape(s), test_text):
            continue
        dead.append('%s exports %s, which nothing uses' % (owner[s], s))
    ok(not dead, 'every exported symbol is used by another unit, a unit test or a fuzzer', dead)

    too_long = []
    for name in sorted(listed):
        with open(name, encoding='utf-8') as f:
            n = sum(1 for _ in f)
        if n > MAX_FILE_LINES:
            too_long.append('%s: %d lines' % (name, n))
    ok(not too_long, 'no server source file over %d lines' % MAX_FILE_LINES, too_long)

    long_fns = []
    for name in sorted(n for n in listed if n.endswith('.c')):
        for head, n in long_functions(name):
            long_fns.append('%s: %s: %d lines' % (name, head, n))
    ok(not long_fns, 'no function over %d lines' % MAX_FUNCTION_LINES, long_fns)

    print('1..%d' % count)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
