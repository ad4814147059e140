"""Shared helpers for the evaluation scripts: read sets, ask `vigie classify`.

Standard library only. VIGIE (environment) names the binary; the default is
build/vigie under the repository root.
"""
import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
VIGIE = os.environ.get('VIGIE', os.path.join(ROOT, 'build', 'vigie'))


def set_files(paths):
    """Every .jsonl file named, or found directly inside a folder named."""
    for p in paths:
        if os.path.isdir(p):
            for f in sorted(os.listdir(p)):
                if f.endswith('.jsonl'):
                    yield os.path.join(p, f)
        else:
            yield p


def read_set(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def classify(intents, rows):
    """vigie's answer ({"intent", "lang", "score"}) to each row's text."""
    lines = ''.join(json.dumps({'text': r['text']}, ensure_ascii=False) + '\n' for r in rows)
    out = subprocess.run([VIGIE, 'classify', '--intents', intents], input=lines.encode(),
                         capture_output=True, check=True).stdout.decode().splitlines()
    if len(out) != len(rows):
        raise SystemExit(f'vigie classify gave {len(out)} answers to {len(rows)} questions')
    return [json.loads(line) for line in out]


def figures(rows, preds):
    """The suite's four figures, as counts: (questions, right, emergencies,
    emergencies found, others, false emergencies, language right)."""
    n = len(rows)
    right = sum(r['intent'] == p.get('intent') for r, p in zip(rows, preds))
    em = [p for r, p in zip(rows, preds) if r['intent'] == 'emergency']
    other = [p for r, p in zip(rows, preds) if r['intent'] != 'emergency']
    found = sum(p.get('intent') == 'emergency' for p in em)
    false = sum(p.get('intent') == 'emergency' for p in other)
    lang = sum(r.get('lang') == p.get('lang') for r, p in zip(rows, preds))
    return n, right, len(em), found, len(other), false, lang


def summary(fig):
    n, right, ne, found, no, false, lang = fig
    pct = lambda a, b: 100.0 * a / b if b else 0.0
    return (f'{n} questions, top-1 {pct(right, n):.1f}%, emergencies {found} of {ne}, '
            f'false emergencies {false} of {no} ({pct(false, no):.2f}%), '
            f'language {pct(lang, n):.1f}%')
