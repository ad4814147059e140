#!/usr/bin/env python3
"""Scores evaluation sets against a catalogue, one line per file.

usage: score.py [--misses] [--out FILE] INTENTS SET...

SET is a .jsonl file ({"text", "intent", "lang"} per line) or a folder of
them. --misses lists every wrong answer (expected -> given, text): never use
it on a held-out set. --out writes each question with its answer as JSON
Lines. The figures are the ones eval_intents prints.
"""
import argparse
import json
import os

import evalset


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--misses', action='store_true', help='list every wrong answer')
    ap.add_argument('--out', help='write questions and answers as JSON Lines')
    ap.add_argument('intents')
    ap.add_argument('sets', nargs='+')
    a = ap.parse_args()
    out = open(a.out, 'w', encoding='utf-8') if a.out else None
    total = [0] * 7
    # one classify run: loading the catalogue costs seconds
    files = [(p, evalset.read_set(p)) for p in evalset.set_files(a.sets)]
    every = evalset.classify(a.intents, [r for _, rows in files for r in rows])
    at = 0
    for path, rows in files:
        preds = every[at:at + len(rows)]
        at += len(rows)
        fig = evalset.figures(rows, preds)
        total = [t + f for t, f in zip(total, fig)]
        print(f'{os.path.relpath(path)}: {evalset.summary(fig)}')
        for r, p in zip(rows, preds):
            if out:
                out.write(json.dumps({'set': path, 'text': r['text'], 'expected': r['intent'],
                                      'lang': r.get('lang'), 'intent': p.get('intent'),
                                      'answer_lang': p.get('lang')}, ensure_ascii=False) + '\n')
            if a.misses and r['intent'] != p.get('intent'):
                print(f"  {r['intent']:24} -> {p.get('intent'):24} {r['text']}")
    print(f'all: {evalset.summary(total)}')


if __name__ == '__main__':
    main()
