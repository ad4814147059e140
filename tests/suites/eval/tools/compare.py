#!/usr/bin/env python3
"""Every answer that differs between two catalogues, on evaluation sets.

usage: compare.py BASE_INTENTS NEW_INTENTS SET...

Each changed answer is marked + (now right), - (was right) or ~ (wrong both
times), with the expected intent, the old and the new answer and the text,
under its file's name; then the totals. A set's own figures and misses come
from eval_intents (or figures.py). Prints texts: never use it on a held-out
set (use figures.py --held-out).
"""
import sys

import evalset


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    base, new, sets = sys.argv[1], sys.argv[2], sys.argv[3:]
    marks = {'+': 0, '-': 0, '~': 0}
    # one classify run per catalogue: loading one costs seconds
    files = [(p, evalset.read_set(p)) for p in evalset.set_files(sets)]
    every = [r for _, rows in files for r in rows]
    old_all, new_all = evalset.classify(base, every), evalset.classify(new, every)
    at = 0
    for path, rows in files:
        old_p, new_p = old_all[at:at + len(rows)], new_all[at:at + len(rows)]
        at += len(rows)
        named = False
        for r, x, y in zip(rows, old_p, new_p):
            if x['intent'] == y['intent']:
                continue
            if not named:
                print(f'{path}:')
                named = True
            m = '+' if y['intent'] == r['intent'] else '-' if x['intent'] == r['intent'] else '~'
            marks[m] += 1
            print(f"  {m} {r['intent']:22} {x['intent']:22} -> {y['intent']:22} {r['text']}")
    print(f"changed: + {marks['+']}  - {marks['-']}  ~ {marks['~']}")


if __name__ == '__main__':
    main()
