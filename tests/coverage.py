#!/usr/bin/python3
"""tests/coverage.py - the coverage report of `make coverage`.

Usage: coverage.py COV_BUILD_DIR MIN_LINES MIN_BRANCHES SOURCE...

After the suite has run against the --coverage build (its .gcda files
sit beside the objects in COV_BUILD_DIR), gcov (gcc's own, no new
dependency) reads each source's counts.  Printed: per file and in total,
the lines executed and the branches taken at least once; then every line
never executed, each with the reason it is not, from tests/uncovered.txt.

Exit status 1 when the totals are below MIN_LINES % of lines or
MIN_BRANCHES % of branches, or when a line never executed has no reason
written down: a new untested line is either tested or explained.

tests/uncovered.txt: one entry per line, "FILE: TEXT -- REASON", where
TEXT is the source line as written, without its indentation (a line is
found by what it says, so an entry survives edits around it), e.g.

    net/loop.c: perror("select"); -- select() fails only on EBADF or EINVAL, which would be our bug
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

UNCOVERED = 'tests/uncovered.txt'


def reasons():
    """{(file, text): reason} from tests/uncovered.txt."""
    out = {}
    with open(UNCOVERED, encoding='utf-8') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            head, sep, reason = line.partition(' -- ')
            name, sep2, text = head.partition(': ')
            if not sep or not sep2:
                raise SystemExit('%s: not "FILE: TEXT -- REASON": %s' % (UNCOVERED, line))
            out[(name.strip(), text.strip())] = reason.strip()
    return out


def gcov(build, source, tmp):
    """(lines, branches) of one source: lines is {number: count} for
    every executable line, branches a list of taken counts."""
    obj_dir = os.path.abspath(os.path.join(build, os.path.dirname(source)))
    subprocess.run(['gcov', '--json-format', '--branch-probabilities', '--branch-counts', '-o', obj_dir,
                    os.path.abspath(source)], cwd=tmp, capture_output=True, check=True)
    stem = os.path.splitext(os.path.basename(source))[0]
    path = os.path.join(tmp, stem + '.gcov.json.gz')
    if not os.path.exists(path):
        return {}, []
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        data = json.load(f)
    os.remove(path)
    lines, branches = {}, []
    for entry in data['files']:
        if os.path.normpath(entry['file']) != os.path.normpath(source):
            continue
        for ln in entry['lines']:
            number = ln['line_number']
            lines[number] = max(lines.get(number, 0), ln['count'])
            branches.extend(b['count'] for b in ln.get('branches', []))
    return lines, branches


def pct(part, whole):
    return 100.0 * part / whole if whole else 100.0


def main():
    build, min_lines, min_branches = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    sources = sys.argv[4:]
    why = reasons()
    used_reasons = set()
    total_l = total_lx = total_b = total_bx = 0
    missing = []     # (file, number, text, reason)
    print('%-26s %14s %8s %16s %8s' % ('file', 'lines', '', 'branches', ''))
    with tempfile.TemporaryDirectory() as tmp:
        for source in sources:
            lines, branches = gcov(build, source, tmp)
            with open(source, encoding='utf-8') as f:
                text = f.read().split('\n')
            lx = sum(1 for c in lines.values() if c > 0)
            bx = sum(1 for c in branches if c > 0)
            total_l += len(lines)
            total_lx += lx
            total_b += len(branches)
            total_bx += bx
            print('%-26s %6d / %-6d %6.1f%% %7d / %-7d %6.1f%%'
                  % (source, lx, len(lines), pct(lx, len(lines)),
                     bx, len(branches), pct(bx, len(branches))))
            for number in sorted(n for n, c in lines.items() if c == 0):
                line = text[number - 1].strip() if number <= len(text) else ''
                reason = why.get((source, line))
                if reason is not None:
                    used_reasons.add((source, line))
                missing.append((source, number, line, reason))
    lp, bp = pct(total_lx, total_l), pct(total_bx, total_b)
    print('%-26s %6d / %-6d %6.1f%% %7d / %-7d %6.1f%%'
          % ('total', total_lx, total_l, lp, total_bx, total_b, bp))
    print()
    print('Lines never executed (%d), and why:' % len(missing))
    unexplained = 0
    for source, number, line, reason in missing:
        if reason is None:
            unexplained += 1
        print('  %s:%d: %s\n      -- %s' % (source, number, line,
                                           reason or 'NO REASON GIVEN (test it, or say why in %s)' % UNCOVERED))
    stale = sorted(set(why) - used_reasons)
    for source, line in stale:
        print('note: %s lists "%s: %s", which now runs (or is gone): remove it'
              % (UNCOVERED, source, line))
    ok = lp >= min_lines and bp >= min_branches and unexplained == 0
    print()
    print('coverage: %.1f%% of lines (at least %.0f%%), %.1f%% of branches (at least %.0f%%), '
          '%d line(s) never run without a reason: %s'
          % (lp, min_lines, bp, min_branches, unexplained, 'PASS' if ok else 'FAIL'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
