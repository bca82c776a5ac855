#!/usr/bin/python3
"""tests/coverage.py - the coverage report of `make coverage`.

Usage: coverage.py [--branches] COV_BUILD_DIR MIN_LINES MIN_BRANCHES SOURCE...

After the suite has run against the --coverage build (its .gcda files
sit beside the objects in COV_BUILD_DIR), gcov (gcc's own, no new
dependency) reads each source's counts.  Printed: per file and in total,
the lines executed and the branches taken at least once; then every line
never executed, each with the reason it is not, from tests/uncovered.txt.
With --branches, also every executed line with a branch never taken
(what to test next; not an error).

Exit status 1 when the totals are below MIN_LINES % of lines or
MIN_BRANCHES % of branches, when a line never executed has no reason
written down (a new untested line is either tested or explained), or
when a reason no longer matches a line never executed (the line now
runs, or changed: the list says only what is true).

tests/uncovered.txt: one entry per line, "FILE: FUNCTION(): TEXT --
REASON", where TEXT is the source line as written, without its
indentation, in the function so named (a line is found by what it says
and where, so an entry survives edits around it, and a bare "return;"
names the one it means), e.g.

    net/loop.c: wait_ready(): perror("select"); -- select() fails only on EBADF or EINVAL, which would be our bug

Lines of one function with the same text share their entry.  A reason
that starts with "race:" is a line only a race reaches: one run may
happen to run it, so it going stale is noted, not a failure.  One that
starts with "build:" is a line gcov counts as a line of its own in one
build and not in another (an early `return;` that shares the function's
exit in a plain -O0 build gets its own block under AddressSanitizer,
which unpoisons the stack there): also only noted.
"""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

UNCOVERED = 'tests/uncovered.txt'
ENTRY = re.compile(r'^(?P<file>[^:\s]+): (?P<func>[A-Za-z_]\w*)\(\): (?P<text>.*)$')


EXEMPT = ('race:', 'build:')   # reasons whose line may run, or not be one


def reasons():
    """{(file, function, text): reason} from tests/uncovered.txt."""
    out = {}
    with open(UNCOVERED, encoding='utf-8') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            head, sep, reason = line.partition(' -- ')
            m = ENTRY.match(head)
            if not sep or not m or not reason.strip():
                raise SystemExit('%s: not "FILE: FUNCTION(): TEXT -- REASON": %s' % (UNCOVERED, line))
            out[(m.group('file'), m.group('func'), m.group('text').strip())] = reason.strip()
    return out


def gcov(build, source, tmp):
    """(lines, branches, functions) of one source: lines is {number:
    count} for every executable line, branches {number: [taken counts]},
    functions [(start, end, name)]."""
    obj_dir = os.path.abspath(os.path.join(build, os.path.dirname(source)))
    subprocess.run(['gcov', '--json-format', '--branch-probabilities', '--branch-counts', '-o', obj_dir,
                    os.path.abspath(source)], cwd=tmp, capture_output=True, check=True)
    stem = os.path.splitext(os.path.basename(source))[0]
    path = os.path.join(tmp, stem + '.gcov.json.gz')
    if not os.path.exists(path):
        return {}, {}, []
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        data = json.load(f)
    os.remove(path)
    lines, branches, functions = {}, {}, []
    for entry in data['files']:
        if os.path.normpath(entry['file']) != os.path.normpath(source):
            continue
        for fn in entry.get('functions', []):
            functions.append((fn['start_line'], fn['end_line'], fn['name']))
        for ln in entry['lines']:
            number = ln['line_number']
            lines[number] = max(lines.get(number, 0), ln['count'])
            branches.setdefault(number, []).extend(b['count'] for b in ln.get('branches', []))
    return lines, branches, functions


def function_of(functions, number):
    """The name of the innermost function whose lines hold `number`."""
    best = None
    for start, end, name in functions:
        if start <= number <= end and (best is None or start > best[0]):
            best = (start, name)
    return best[1] if best else '?'


def pct(part, whole):
    return 100.0 * part / whole if whole else 100.0


def main():
    args = sys.argv[1:]
    show_branches = args[:1] == ['--branches']
    if show_branches:
        args = args[1:]
    build, min_lines, min_branches = args[0], float(args[1]), float(args[2])
    sources = args[3:]
    why = reasons()
    used_reasons = set()
    total_l = total_lx = total_b = total_bx = 0
    missing = []     # (file, number, function, text, reason)
    partial = []     # (file, number, taken, branches, text)
    print('%-26s %14s %8s %16s %8s' % ('file', 'lines', '', 'branches', ''))
    with tempfile.TemporaryDirectory() as tmp:
        for source in sources:
            lines, branches, functions = gcov(build, source, tmp)
            with open(source, encoding='utf-8') as f:
                text = f.read().split('\n')
            counts = [c for n in branches for c in branches[n]]
            lx = sum(1 for c in lines.values() if c > 0)
            bx = sum(1 for c in counts if c > 0)
            total_l += len(lines)
            total_lx += lx
            total_b += len(counts)
            total_bx += bx
            print('%-26s %6d / %-6d %6.1f%% %7d / %-7d %6.1f%%'
                  % (source, lx, len(lines), pct(lx, len(lines)),
                     bx, len(counts), pct(bx, len(counts))))
            for number in sorted(lines):
                line = text[number - 1].strip() if number <= len(text) else ''
                if lines[number] == 0:
                    func = function_of(functions, number)
                    key = (source, func, line)
                    reason = why.get(key)
                    if reason is not None:
                        used_reasons.add(key)
                    missing.append((source, number, func, line, reason))
                elif any(c == 0 for c in branches.get(number, [])):
                    taken = sum(1 for c in branches[number] if c > 0)
                    partial.append((source, number, taken, len(branches[number]), line))
    lp, bp = pct(total_lx, total_l), pct(total_bx, total_b)
    print('%-26s %6d / %-6d %6.1f%% %7d / %-7d %6.1f%%'
          % ('total', total_lx, total_l, lp, total_bx, total_b, bp))
    if show_branches:
        print()
        print('Lines run with a branch never taken (%d):' % len(partial))
        for source, number, taken, count, line in partial:
            print('  %s:%d: %d of %d taken: %s' % (source, number, taken, count, line))
    print()
    print('Lines never executed (%d), and why:' % len(missing))
    unexplained = 0
    for source, number, func, line, reason in missing:
        if reason is None:
            unexplained += 1
        print('  %s:%d: %s(): %s\n      -- %s'
              % (source, number, func, line,
                 reason or 'NO REASON GIVEN (test it, or say why in %s)' % UNCOVERED))
    checked = set(sources)
    stale = [key for key in sorted(set(why) - used_reasons) if key[0] in checked]
    for source, func, line in stale:
        print('%s: %s lists "%s: %s(): %s", which now runs, changed or is gone: '
              'remove or update it' % ('note' if why[(source, func, line)].startswith(EXEMPT)
                                       else 'stale', UNCOVERED, source, func, line))
    stale = [key for key in stale if not why[key].startswith(EXEMPT)]
    ok = lp >= min_lines and bp >= min_branches and unexplained == 0 and not stale
    print()
    print('coverage: %.1f%% of lines (at least %.0f%%), %.1f%% of branches (at least %.0f%%), '
          '%d line(s) never run: %d explained, %d without a reason; %d stale reason(s): %s'
          % (lp, min_lines, bp, min_branches, len(missing), len(missing) - unexplained,
             unexplained, len(stale), 'PASS' if ok else 'FAIL'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
