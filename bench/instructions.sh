#!/usr/bin/env bash
# bench/instructions.sh — what a run costs in instructions, not seconds:
#
#     bench/instructions.sh                          # from anywhere in the repository
#     SORTIE_BIN=/tmp/old/sortie bench/instructions.sh   # another build, for a before/after
#     SKIP_BUILD=1 bench/instructions.sh             # the release build already in target/
#
# Wall-clock benchmarks (bench/run.sh, bench/openapi.sh) need a quiet machine; the
# instruction count of a whole process under callgrind does not depend on load, so
# it is what a before/after comparison on a busy machine can trust. Against the
# demo API on 127.0.0.1 (release build), each workload is counted once:
#
#   W2   100 × (POST /login → capture the token → GET /me with it as bearer):
#        a new secret every iteration (the redactor's worst ordinary case)
#   W4   a group of 1000 GETs of /pets/1 at `parallel: 64`, checking `$.name`
#   C1   1000 sequential GETs of /pets/1 checking `$.name`, without and with the
#        demo's OpenAPI spec (`openapi:`), and the same with one GET: the difference
#        of the one-GET runs is the spec's once-per-run cost, the rest per request
#   W6   peak RSS (GNU time) of one GET of a ~15 MiB JSON document (/bulk) checking
#        an item and the list's length, against the body's size
#
# Needs valgrind, GNU time and curl (installed with apt-get when missing).

set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
HOST=127.0.0.1
say() { printf '%s\n' "$*" >&2; }

need=()
command -v valgrind >/dev/null || need+=(valgrind)
[ -x /usr/bin/time ] || need+=(time)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} (apt-get)"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release --quiet --bin sortie --bin sortie-demo)
SORTIE=${SORTIE_BIN:-$TARGET/release/sortie}
DEMO=$TARGET/release/sortie-demo

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=""
for p in $(seq 18280 18380); do
    if port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { say "no free port in 18280-18380"; exit 1; }
BASE="http://$HOST:$PORT"
"$DEMO" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 30))
until curl -fsS "$BASE/health" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then say "the demo server did not answer within 30 s"; exit 1; fi
    sleep 0.1
done

cp "$ROOT/collections/specs/demo-api.json" "$WORK/spec.json"
cat >"$WORK/w2.yaml" <<EOF
name: W2
base_url: "$BASE"
steps:
  - group: chain
    for_each: "{{ range(100) }}"
    steps:
      - name: login
        request: { method: POST, url: /login, json: { username: alice, password: wonderland } }
        expect: { status: 200 }
        extract: { token: \$.token }
      - name: me
        request: { url: /me, auth: { bearer: "{{ token }}" } }
        expect: { status: 200, json: { \$.name: alice } }
EOF
cat >"$WORK/w4.yaml" <<EOF
name: W4
base_url: "$BASE"
steps:
  - group: many
    for_each: "{{ range(1000) }}"
    parallel: 64
    steps:
      - name: pet
        request: { url: /pets/1 }
        expect: { status: 200, json: { \$.name: Rex } }
EOF
c1() { # c1 COUNT [openapi]
    printf 'name: C1\nbase_url: "%s"\n' "$BASE"
    [ -z "${2:-}" ] || printf 'openapi: spec.json\n'
    printf 'steps:\n  - name: pet\n    for_each: "{{ range(%s) }}"\n    request: { url: /pets/1 }\n    expect: { status: 200, json: { $.name: Rex } }\n' "$1"
}
c1 1000 >"$WORK/c1-plain.yaml"
c1 1000 spec >"$WORK/c1-contract.yaml"
c1 1 >"$WORK/c1-one-plain.yaml"
c1 1 spec >"$WORK/c1-one-contract.yaml"
cat >"$WORK/w6.yaml" <<EOF
name: W6
base_url: "$BASE"
steps:
  - name: bulk
    request: { url: "/bulk?items=190000" }
    expect: { status: 200, json: { "\$.items[-1].name": item-189999, \$.items: { length: 190000 } } }
EOF

# Every collection must pass first; they are run from their folder, the file root.
cd "$WORK"
# A build from before contract mode (SORTIE_BIN) runs all but the C1 `openapi` rows.
contract=1
for f in *.yaml; do
    if ! "$SORTIE" run -q --max-body 32MiB "$f" >"$WORK/out.txt" 2>&1; then
        case $f in
        c1-*contract.yaml) contract=0; say "$f does not pass: no contract rows" ;;
        *) say "$f does not pass:"; tail -20 "$WORK/out.txt" >&2; exit 1 ;;
        esac
    fi
done

count() { # count FILE: instructions of one whole run under callgrind
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$SORTIE" run -q "$1" 2>&1 >/dev/null |
        awk '/Collected :/ { print $NF }'
}
m() { awk "BEGIN { printf \"%.1f M\", $1 / 1e6 }"; }
say "counting (callgrind)"
w2=$(count w2.yaml)
w4=$(count w4.yaml)
cp=$(count c1-plain.yaml)
op=$(count c1-one-plain.yaml)
cc=0 oc=0
if [ $contract = 1 ]; then
    cc=$(count c1-contract.yaml)
    oc=$(count c1-one-contract.yaml)
fi
say "peak RSS"
/usr/bin/time -f %M -o "$WORK/rss" "$SORTIE" run -q --max-body 32MiB w6.yaml >/dev/null 2>&1 || true
rss=$(tail -1 "$WORK/rss")
body=$(curl -sS -o /dev/null -w '%{size_download}' "$BASE/bulk?items=190000")

per_plain=$(((cp - op) / 999))
rows="| W2 100 × (login → bearer GET) | $(m "$w2") instructions |
| W4 1000 GETs at parallel 64 | $(m "$w4") instructions |
| C1 1000 GETs | $(m "$cp") instructions, $per_plain a request |"
if [ $contract = 1 ]; then
    per_contract=$(((cc - oc) / 999))
    rows="$rows
| C1 1000 GETs with \`openapi\` | $(m "$cc") ($(awk "BEGIN { printf \"%.2f\", $cc / $cp }")× without) |
| C1 per request, with / without \`openapi\` | $per_contract / $per_plain instructions ($(awk "BEGIN { printf \"%.2f\", $per_contract / $per_plain }")×) |
| C1 the spec's once-per-run cost | $(m "$((oc - op))") instructions |"
fi
cat <<EOF

Sortie: $SORTIE ($("$SORTIE" --version)); $(uname -sr); instructions of whole processes (callgrind).

| Workload | Figure |
|---|---|
$rows
| W6 peak RSS, one $(awk "BEGIN { printf \"%.1f\", $body / 1048576 }") MiB JSON body | $(awk "BEGIN { printf \"%.0f MiB, %.1f× the body\", $rss / 1024, $rss * 1024 / $body }") |
EOF
