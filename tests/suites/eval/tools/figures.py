#!/usr/bin/env python3
"""The README's figures table, one row per set, from eval_intents.

usage: figures.py [--held-out] [INTENTS]

Rows for dev, every tuning set, then the held-out sets (test/ and blind_*/),
formatted as in README.md's "Accuracy" table. Held-out sets are read with
eval_intents --no-text: aggregates only, never a text. --held-out prints
those rows alone. EVAL (environment) names eval_intents; the default is
build/tests/suites/eval_intents. About five minutes for every row.
"""
import os
import re
import subprocess
import sys
import tempfile

import evalset

EVAL = os.environ.get('EVAL', os.path.join(evalset.ROOT, 'build', 'tests', 'suites', 'eval_intents'))
SETS = os.path.join(evalset.ROOT, 'tests', 'suites', 'eval')


def aggregates(intents, path, held_out):
    with tempfile.TemporaryDirectory() as folder:
        if os.path.isfile(path):  # eval_intents reads folders
            os.symlink(os.path.abspath(path), os.path.join(folder, os.path.basename(path)))
            path = folder
        out = subprocess.run([EVAL, '--intents', intents] + (['--no-text'] if held_out else []) + [path],
                             capture_output=True, text=True).stdout

    def grab(pattern):
        m = re.search(pattern, out)
        if not m:
            raise SystemExit(f'{path}: no "{pattern}" in eval_intents output')
        return m.groups()
    n = int(grab(r'questions:\s+(\d+)')[0])
    top = float(grab(r'top-1 accuracy:\s+([\d.]+)%')[0])
    recall, n_em = grab(r'emergency recall:\s+([\d.]+)% of (\d+)')
    false, n_other = grab(r'false emergencies:\s+([\d.]+)% of (\d+)')
    lang = float(grab(r'language accuracy:\s+([\d.]+)%')[0])
    return n, top, float(recall), int(n_em), float(false), int(n_other), lang


def row(intents, name, tag, path, held_out):
    n, top, recall, n_em, false, n_other, lang = aggregates(intents, path, held_out)
    found, wrong = round(recall * n_em / 100), round(false * n_other / 100)
    pct = lambda x: '100%' if x == 100.0 else f'{x:.1f}%'
    em = f'100% ({n_em:,})' if found == n_em else f'{100 * found / n_em:.1f}% ({found:,} of {n_em:,})'
    fe = '0%' if wrong == 0 else f'{100 * wrong / n_other:.2f}% ({wrong:,} of {n_other:,})'
    print(f'| `{name}` ({tag}) | {n:,} | {pct(top)} | {em} | {fe} | {pct(lang)} |', flush=True)


def main():
    args = sys.argv[1:]
    held_only = '--held-out' in args
    args = [a for a in args if a != '--held-out']
    intents = args[0] if args else os.path.join(evalset.ROOT, 'intents')
    if not held_only:
        row(intents, 'dev', 'tuned on', os.path.join(SETS, 'dev'), False)
        for f in sorted(os.listdir(os.path.join(SETS, 'tuning'))):
            row(intents, 'tuning/' + f[:-len('.jsonl')], 'tuned on', os.path.join(SETS, 'tuning', f), False)
    row(intents, 'test', 'held out', os.path.join(SETS, 'test'), True)
    for d in sorted(x for x in os.listdir(SETS) if x.startswith('blind_')):
        row(intents, d, 'held out', os.path.join(SETS, d), True)


if __name__ == '__main__':
    main()
