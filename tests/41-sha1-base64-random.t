#!/bin/sh
# sha1.c and base64.c agree with sha1sum(1) and base64(1) on random
# inputs of many lengths (around the 64-byte block and 3-byte group
# boundaries, and a few larger ones).
BIN="${BUILD:-build}/unit"
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0
check() {   # name, got, want
    n=$((n + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        echo "#   got:  $2"
        echo "#   want: $3"
        fail=1
    fi
}
for len in 0 1 2 3 4 5 54 55 56 57 63 64 65 127 128 129 1000 4096 65537 300000; do
    head -c "$len" /dev/urandom > "$TMP/in"
    check "sha1 of $len random bytes matches sha1sum" \
        "$("$BIN/test_sha1" --stdin < "$TMP/in")" \
        "$(sha1sum < "$TMP/in" | cut -d' ' -f1)"
    check "base64 of $len random bytes matches base64 -w0" \
        "$("$BIN/test_base64" --encode < "$TMP/in")" \
        "$(base64 -w0 < "$TMP/in")"
    base64 -w0 < "$TMP/in" | "$BIN/test_base64" --decode > "$TMP/out"
    check "decoding base64 -w0 output of $len bytes gives them back" \
        "$(cmp -s "$TMP/in" "$TMP/out" && echo same)" same
done
echo "1..$n"
exit $fail
