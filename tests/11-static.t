#!/usr/bin/env bash
# Static files: types, 404s, and no way out of the www root in any
# encoding.  The article's read("." + req.url) would serve all of these.
# Then the limits: a directory named like a page, files at and past 1 MiB,
# a path past STATIC_PATH_MAX, and a root so deep that a joined path
# passes PATH_MAX (cut, it would name another file).
. "$(dirname "$0")/lib.sh"

# A private root with a secret beside it and symlinks pointing in and out.
root="$T_TMP/www"
mkdir -p "$root/sub" "$T_TMP/outside"
echo '<!doctype html><title>root index</title>' >"$root/index.html"
echo 'console.log(1)' >"$root/app.js"
echo 'body{}' >"$root/style.css"
echo '{"a":1}' >"$root/data.json"
echo 'text' >"$root/notes.txt"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$root/pic.svg"
printf '\x89PNG\r\n\x1a\n' >"$root/pic.png"
printf '\0\0\1\0' >"$root/favicon.ico"
echo 'sub index' >"$root/sub/index.html"
echo 'hidden' >"$root/.secret.txt"
echo 'binary' >"$root/tool.exe"
echo 'TOP SECRET' >"$T_TMP/outside/secret.txt"
echo 'TOP SECRET' >"$T_TMP/secret.txt"
ln -s "$T_TMP/outside/secret.txt" "$root/escape.txt"
ln -s "$T_TMP/outside" "$root/outdir"
ln -s "$root/notes.txt" "$root/inside.txt"
# A sibling whose name starts with the root's: a symlink into it must
# not pass for "inside the root" by a prefix match.
mkdir -p "${root}2"
echo 'TOP SECRET' >"${root}2/secret.txt"
ln -s "${root}2/secret.txt" "$root/sibling.txt"
# A directory with a servable name, and files at and past the size limit.
mkdir -p "$root/dir.html"
head -c 1048576 /dev/zero | tr '\0' 'a' >"$root/max.txt"
head -c 1048577 /dev/zero | tr '\0' 'a' >"$root/over.txt"
start_server -q -p 0 -r "$root"

ctype() { curl -s -o /dev/null -w '%{content_type}' "$BASE$1"; }
code() { curl -s -o /dev/null --path-as-is -w '%{http_code}' "$BASE$1"; }

like "$(curl -s "$BASE/")" "root index" "/ serves index.html"
like "$(ctype /index.html)" '^text/html' "html is text/html"
like "$(ctype /app.js)" '^text/javascript' "js is text/javascript"
like "$(ctype /style.css)" '^text/css' "css is text/css"
like "$(ctype /data.json)" '^application/json' "json is application/json"
like "$(ctype /notes.txt)" '^text/plain' "txt is text/plain"
like "$(ctype /pic.svg)" '^image/svg\+xml' "svg is image/svg+xml"
like "$(ctype /pic.png)" '^image/png' "png is image/png"
like "$(ctype /favicon.ico)" '^image/x-icon' "ico is image/x-icon"
like "$(curl -s "$BASE/sub/")" "sub index" "a directory path serves its index.html"
is "$(code /missing.html)" 404 "a missing file is 404"
is "$(code /tool.exe)" 404 "an unknown file type is 404"
is "$(code /.secret.txt)" 404 "hidden files are 404"
is "$(code /sub)" 404 "a directory without its slash is 404"
is "$(curl -s "$BASE/inside.txt")" "text" "a symlink that stays inside the root is served"
r=$(curl -s -w ' %{http_code}' "$BASE/sibling.txt")
unlike "$r" "TOP SECRET" "no secret via a symlink into ${root##*/}2, a sibling named like the root"
like "$r" ' 404$' "... 404"
is "$(code /dir.html)" 404 "a directory named like a page is 404"
is "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$BASE/max.txt")" "200 1048576" \
    "a file of exactly STATIC_FILE_MAX_BYTES (1 MiB) is served whole"
is "$(code /over.txt)" 404 "a file one byte larger is not (404)"
long=$(head -c 1100 /dev/zero | tr '\0' 'a')
is "$(code "/$long.html")" 404 "a path longer than STATIC_PATH_MAX (1024) is 404"

for path in \
    '/../secret.txt' '/../../../../etc/passwd' '/sub/../../secret.txt' \
    '/%2e%2e/secret.txt' '/%2E%2E/secret.txt' '/..%2fsecret.txt' '/%2e%2e%2fsecret.txt' \
    '/sub/%2e%2e/%2e%2e/secret.txt' '/%252e%252e/secret.txt' '/%25%32%65%25%32%65/secret.txt' \
    '/..%5csecret.txt' '/sub\..\..\secret.txt' '/index.html%00.txt' '/%00' \
    '/escape.txt' '/outdir/secret.txt' '//etc/passwd' '/./index.html'; do
    r=$(curl -s --path-as-is -w ' %{http_code}' "$BASE$path")
    unlike "$r" "TOP SECRET|root:" "no secret via $path"
    like "$r" ' 404$' "$path -> 404"
done
r=$(raw "$PORT" 'GET /../secret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(status_of "$r")" 404 "a raw ../ request line -> 404"

# The small-file cache (static.c) serves a kept copy only while one
# stat() of the path names the very same file, unchanged: edited in
# place, replaced, or a symlink turned to point elsewhere, and the next
# request sees it (and is checked again: outside the root is still 404).
is "$(curl -s "$BASE/notes.txt")" "text" "a small file, served (and now kept)"
is "$(curl -s "$BASE/notes.txt")" "text" "served again from the cache"
sleep 0.01
echo 'edited' >"$root/notes.txt"
is "$(curl -s "$BASE/notes.txt")" "edited" "edited in place (new mtime): the new content"
echo 'renamed over' >"$root/notes.new"
mv "$root/notes.new" "$root/notes.txt"
is "$(curl -s "$BASE/notes.txt")" "renamed over" "replaced by a rename (new inode): the new content"
echo 'first target' >"$root/target1.txt"
ln -s "$root/target1.txt" "$root/moving.txt"
is "$(curl -s "$BASE/moving.txt")" "first target" "a symlink inside the root, served and kept"
ln -sfn "$T_TMP/outside/secret.txt" "$root/moving.txt"
r=$(curl -s -w ' %{http_code}' "$BASE/moving.txt")
unlike "$r" "first target|TOP SECRET" "the symlink now leads outside: neither the kept copy nor the secret"
like "$r" ' 404$' "... but 404, as the realpath() check says"
rm "$root/moving.txt"
is "$(code /moving.txt)" 404 "a kept file that is gone is 404"
# More small files than the cache keeps (STATIC_CACHE_ENTRIES, 32): the
# least recently used gives its place, and every file is still served
# as it is, from the cache or from disk.
for i in $(seq 1 40); do echo "file $i" >"$root/many$i.txt"; done
all=1
for round in 1 2; do
    for i in $(seq 1 40); do
        [ "$(curl -s "$BASE/many$i.txt")" = "file $i" ] || all=0
    done
done
is "$all" 1 "40 small files, each twice, past the cache's 32 places: each served as it is"
ok "$(server_alive; echo $?)" "the server is still running"

# A root so deep that root + "/" + path passes PATH_MAX (4096): the
# joined path would be cut, and the cut one may name another file (here
# "aaa...a", which exists, for a request of "aaa...ab.html").  Such a
# request is refused, never answered with the file its cut path names.
stop_server
deep=$(cd "$T_TMP" && pwd -P)
seg=$(head -c 240 /dev/zero | tr '\0' 'd')
while [ ${#deep} -lt 3840 ]; do deep="$deep/$seg"; done
mkdir -p "$deep"
k=$((4095 - ${#deep} - 1))
name=$(head -c "$k" /dev/zero | tr '\0' 'a')
echo 'THE WRONG FILE' >"$deep/$name"
echo '<title>deep</title>' >"$deep/index.html"
start_server -q -p 0 -r "$deep"
like "$(curl -s "$BASE/")" "deep" "a root ${#deep} bytes deep serves its index.html"
r=$(curl -s -w ' %{http_code}' "$BASE/${name}b.html")
unlike "$r" "WRONG FILE" "root + /${k}a + b.html passes PATH_MAX: not the file the cut path names"
like "$r" ' 404$' "... 404"
done_testing
