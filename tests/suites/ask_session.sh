#!/bin/sh
# `vigie ask` reading a session from standard input, with --why: a message
# not understood right after an emergency reply gets the emergency reply
# again, and --why says that the session, not a pattern, decided; the same
# message first in a session is not understood.
# usage: ask_session.sh VIGIE INTENTS_DIR
set -eu
vigie=$1
dir=$2

out=$(printf 'I am in danger\nqwerty zxcv\n' | "$vigie" ask --why --intents "$dir")
printf '%s\n' "$out" | grep -c '^intent: emergency$' | grep -qx 2 ||
    { printf 'expected two emergency replies:\n%s\n' "$out"; exit 1; }
printf '%s\n' "$out" | grep -q '^why: not understood alone; right after an emergency reply' ||
    { printf 'expected the follow-up rule in --why:\n%s\n' "$out"; exit 1; }

out=$(printf 'qwerty zxcv\n' | "$vigie" ask --why --intents "$dir")
printf '%s\n' "$out" | grep -q '^intent: fallback$' ||
    { printf 'expected fallback alone:\n%s\n' "$out"; exit 1; }
if printf '%s\n' "$out" | grep -q 'not understood alone'; then
    printf 'follow-up rule named outside a crisis:\n%s\n' "$out"
    exit 1
fi
