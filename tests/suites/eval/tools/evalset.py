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

