#!/bin/sh
# hostile.sh - hostile organizer input that cannot be committed as plain files
# (too big, generated, or a file-system oddity): builds an intent folder at
# test time, runs `vigie check` on it and compares its stderr with the
# expected lines. ctest's TIMEOUT catches a hang; a signal (crash) fails.
#
# usage: hostile.sh VIGIE FIXTURE_DIR WORK_DIR CASE
#   FIXTURE_DIR: a valid intent folder (tests/fixtures/intents) copied first.
# Exit 0 when `vigie check` ends normally with the expected result, 77 when
# the case cannot run here (an unreadable file while running as root).
set -u
vigie=$1
fixture=$2
work=$3/$4
name=$4

rm -rf "$work"
mkdir -p "$work/intents" || exit 2
cp "$fixture"/*.json "$work/intents/" || exit 2
cd "$work" || exit 2
f=intents/zz.json

# gen_intents FIRST COUNT: writes {"intents": [...]} with COUNT generated
# intents numbered from FIRST. Each has a unique word ("zq" + i in base 20,
# one consonant + "o" a digit: folding never merges it) in its pattern and 12 examples a language, so the folder is valid and
# self-tests like a real catalogue.
gen_intents() {
    awk -v first="$1" -v n="$2" 'BEGIN {
        printf "{\"intents\": [\n"
        for (i = first; i < first + n; i++) {
            w = "zq"; k = i
            do { w = w substr("bcdfghjklmnprstvwxyz", k % 20 + 1, 1) "o"; k = int(k / 20) } \
                while (k > 0)
            ex = ""
            for (e = 0; e < 12; e++)
                ex = ex sprintf("%s\"%s topic %d\"", e ? ", " : "", w, e)
            printf "%s{\"id\": \"gen.%d\", \"label\": {\"en\": \"G%d\", \"fr\": \"G%d\"},\n", \
                (i > first ? "," : ""), i, i, i
            printf " \"patterns\": {\"en\": [\"\\\\b%s\\\\b\"], \"fr\": [\"\\\\b%s\\\\b\"]},\n", w, w
            printf " \"examples\": {\"en\": [%s], \"fr\": [%s]},\n", ex, ex
            printf " \"answers\": {\"en\": [\"A %d\"], \"fr\": [\"R %d\"]}, \"sources\": [\"gen\"]}\n", \
                i, i
        }
        printf "]}\n"
    }'
}

# Each case writes the hostile file and sets 'want' (expected stderr, exact)
# and 'want_rc' (expected exit status).
want_rc=1
case $name in
    huge_file)
        # Over the 8 MiB limit: refused before parsing, without reading it all.
        { printf '{"intents": [], "pad": "'
          head -c 9000000 /dev/zero | tr '\0' a
          printf '"}\n'; } > $f
        want="$f: file is too large (over 8388608 bytes)
vigie check: 1 problem in intents" ;;
    big_string)
        # 1 MiB answer: reported by its length, never echoed back.
        { printf '{"intents": [{"id": "big", "answers": {"en": ["'
          head -c 1048576 /dev/zero | tr '\0' a
          printf '"]}}]}\n'; } > $f
        want="$f:1:14: intent \"big\" has no \"label\"
$f:1:14: intent \"big\" has no \"patterns\"
$f:1:14: intent \"big\" has no \"examples\"
$f:1:39: \"answers\" has no \"fr\"
$f:1:47: answers (en) is too long (1048576 bytes, at most 8192)
$f:1:14: intent \"big\" has no \"sources\"
vigie check: 6 problems in intents" ;;
    deep_json)
        # 100,000 nested arrays: jansson's depth limit, no stack overflow.
        { printf '{"intents": '
          head -c 100000 /dev/zero | tr '\0' '['
          head -c 100000 /dev/zero | tr '\0' ']'
          printf '}\n'; } > $f
        want="$f:1:2060: maximum parsing depth reached near '['
vigie check: 1 problem in intents" ;;
    deep_object)
        { printf '{"intents": [{"id": '
          i=0; while [ $i -lt 3000 ]; do printf '{"a":'; i=$((i + 1)); done
          printf '}]}\n'; } > $f
        want="$f:1:10246: maximum parsing depth reached near '{'
vigie check: 1 problem in intents" ;;
    many_intents)
        # 5,000 valid intents: loads and self-tests in bounded time.
        gen_intents 0 5000 > $f
        want=""
        want_rc=0 ;;
    too_many_intents)
        # Past the loader's bound of 20,000 (in three files, each under the
        # size limit): reported once, the rest is not loaded.
        gen_intents 0 7000 > intents/za.json
        gen_intents 7000 7000 > intents/zb.json
        gen_intents 14000 6001 > $f
        want="$f:23974:2: too many intents (at most 20000)
vigie check: 1 problem in intents" ;;
    folder_named_json)
        mkdir $f
        want="$f: is a folder, not an intent file
vigie check: 1 problem in intents" ;;
    symlink_loop)
        ln -s zz.json $f
        want="$f: cannot read: Too many levels of symbolic links
vigie check: 1 problem in intents" ;;
    dangling_symlink)
        ln -s nowhere.json $f
        want="$f: cannot read: No such file or directory
vigie check: 1 problem in intents" ;;
    fifo)
        # Never opened: opening a FIFO would block the loader forever.
        mkfifo $f
        want="$f: is not a regular file (device, FIFO or socket)
vigie check: 1 problem in intents" ;;
    device)
        ln -s /dev/zero $f
        want="$f: is not a regular file (device, FIFO or socket)
vigie check: 1 problem in intents" ;;
    unreadable)
        if [ "$(id -u)" = 0 ]; then
            echo "root reads any file: skipped"
            exit 77
        fi
        mv intents/safety.json $f
        chmod 000 $f
        want="$f: cannot read: Permission denied
intents: no intent \"emergency\"
vigie check: 2 problems in intents" ;;
    *)
        echo "unknown case $name" >&2
        exit 2 ;;
esac

"$vigie" check intents > out.txt 2> err.txt
rc=$?
chmod -R u+rwx intents 2> /dev/null
if [ $rc -gt 128 ]; then
    echo "vigie check died with signal $((rc - 128))"
    cat err.txt
    exit 1
fi
if [ $rc -ne $want_rc ]; then
    echo "vigie check exited $rc, expected $want_rc"
    head -c 4000 err.txt
    exit 1
fi
if [ -n "$want" ]; then
    printf '%s\n' "$want" > want.txt
else
    : > want.txt
fi
if ! cmp -s want.txt err.txt; then
    echo "stderr differs from the expected diagnostics:"
    diff want.txt err.txt | head -40
    exit 1
fi
echo "$name: vigie check exited $rc with the expected diagnostics"
rm -rf "$work"
exit 0
