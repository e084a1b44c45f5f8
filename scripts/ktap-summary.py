#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results of every KTAP document in a folder.

Only leaves count: a test whose result line is preceded by nested
(more indented) results is a container, and its children are counted
instead. So a KUnit parameterised case counts once per parameter and a
kselftest program once per test point. A container that failed without
any failing child (a crash, a timeout, a bad exit code) counts as one
failure of its own.

Usage: ktap-summary.py DIR
Prints one line per document and, last, "N passed, N failed" (with
", N skipped" when some were skipped). Exit 1 if anything failed or no
test ran at all.
"""
import pathlib
import re
import sys

RESULT = re.compile(r'^(?P<indent>\s*)(?P<not>not )?ok\s+\d+\b(?P<rest>.*)$')


def count(lines):
    passed = failed = skipped = 0
    # For each open indentation level: did a failing leaf appear below it?
    seen_child = {}
    child_failed = {}
    for line in lines:
        m = RESULT.match(line.rstrip('\n'))
        if not m:
            continue
        depth = len(m.group('indent').expandtabs(8))
        bad = m.group('not') is not None
        skip = re.search(r'#\s*SKIP', m.group('rest'), re.I) is not None
        deeper = [d for d in seen_child if d > depth]
        had_children = any(seen_child[d] for d in deeper)
        any_child_failed = any(child_failed[d] for d in deeper)
        for d in deeper:
            del seen_child[d]
            del child_failed[d]
        if had_children:
            # A container: its leaves were counted, unless it failed on
            # its own (killed, crashed, non-zero exit after passing leaves).
            if bad and not any_child_failed:
                failed += 1
                bad_here = True
            else:
                bad_here = bad
        else:
            bad_here = bad
            if bad:
                failed += 1
            elif skip:
                skipped += 1
            else:
                passed += 1
        seen_child[depth] = True
        child_failed[depth] = child_failed.get(depth, False) or bad_here
    return passed, failed, skipped


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    total = [0, 0, 0]
    for doc in sorted(root.glob('*.ktap')):
        p, f, s = count(doc.read_text(errors='replace').splitlines())
        total = [total[0] + p, total[1] + f, total[2] + s]
        print(f'{doc.relative_to(root)}: {p} passed, {f} failed, {s} skipped')
    line = f'{total[0]} passed, {total[1]} failed'
    if total[2]:
        line += f', {total[2]} skipped'
    print(line)
    return 1 if total[1] or not total[0] else 0


if __name__ == '__main__':
    sys.exit(main())
