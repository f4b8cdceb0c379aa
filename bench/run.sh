#!/usr/bin/env bash
# bench/run.sh — Sortie's speed against its floor, in one command:
#
#     bench/run.sh                    # from anywhere in the repository
#     ROUNDS=9 PER=3 bench/run.sh     # more runs (default 5 rounds of 3 runs)
#     BENCH_PIN=1 bench/run.sh        # server on CPU 0, clients on the others (≥ 2 CPUs)
#     SORTIE_BIN=/tmp/old/sortie bench/run.sh   # measure another build of sortie
#
# It builds Sortie, the demo API and the floor (examples/floor.rs: a bare reqwest
# loop with Sortie's client settings, on tokio's current-thread runtime) in
# release mode, starts the demo API on a free port of 127.0.0.1 (the only address
# anything here talks to), generates the collections in a temporary folder,
# checks that every one passes, and measures side by side:
#
#   W1 sequential  1000 GETs of /pets/1, each checking the status and `$.name`.
#                  Two Sortie forms: one step with `for_each: range(1000)` (the
#                  executor alone: one step planned once) and 1000 literal steps
#                  (adds loading and planning 1000 steps, as a long hand-written
#                  collection would) — vs `floor seq`.
#   W2 chain       100 × (POST /login → capture $.token → GET /me with that
#                  bearer, checking $.name): a group with `for_each` — vs `floor chain`.
#   W3 startup     a one-request collection, whole process (vs `floor seq … 1`),
#                  and `sortie validate` of a one-step collection.
#   W4 parallel    a group with `for_each: range(10000)` and `parallel: 64`, one GET
#                  each — vs wrk at 64 connections on the same URL, vs `floor par`
#                  (reqwest, 64 requests in flight), and vs `floor hyper` (bare
#                  hyper on 64 connections: the transport Sortie uses for http).
#   W5 validate    `sortie validate` of a generated 10,000-step collection.
#   W6 large body  one GET of a ~16 MiB JSON document (/bulk, 190,000 objects),
#                  checking an item and the list's length — vs curl downloading it;
#                  the target is on memory: peak RSS at most 20 times the body (the parsed
#                  document is some 14 times it: 80 bytes a JSON value).
#   Peak RSS       of each command (GNU time -f %M), and W4 at 100 vs 10,000 items.
#
# Times are medians of whole-process runs (hyperfine), taken in alternating
# rounds so that load on the machine biases neither side; the CPU column (user +
# system) is steadier than wall time on a busy machine. The result is a Markdown
# table on stdout; progress goes to stderr.
#
# Missing tools (hyperfine, wrk, GNU time, jq, curl) are installed with apt-get.
# CARGO_TARGET_DIR is honoured (default: ./target).

set -euo pipefail

ROUNDS=${ROUNDS:-5}
PER=${PER:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release
HOST=127.0.0.1

say() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v wrk >/dev/null || need+=(wrk)
[ -x /usr/bin/time ] || need+=(time)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} (apt-get)"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi

# --- build -------------------------------------------------------------------
say "building (release)"
(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release --quiet --bin sortie --bin sortie-demo --example floor)
SORTIE=${SORTIE_BIN:-$BIN/sortie} # SORTIE_BIN=path: measure another build (say, of an older commit)
DEMO=$BIN/sortie-demo
FLOOR=$BIN/examples/floor

# --- CPU placement -----------------------------------------------------------
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
SERVER_CPU=() CLIENT_CPU=()
if [ "${BENCH_PIN:-0}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    SERVER_CPU=(taskset -c 0)
    CLIENT_CPU=(taskset -c "1-$(($(nproc) - 1))")
fi

# --- server ------------------------------------------------------------------
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=${PORT:-}
if [ -z "$PORT" ]; then
    for p in $(seq 18080 18180); do
        if port_free "$p"; then PORT=$p; break; fi
    done
fi
[ -n "$PORT" ] || { say "no free port in 18080-18180"; exit 1; }
BASE="http://$HOST:$PORT"

"${SERVER_CPU[@]}" "$DEMO" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 30))
until curl -fsS "$BASE/health" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then say "the demo server exited:"; cat "$WORK/server.log" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then say "the demo server did not answer within 30 s"; exit 1; fi
    sleep 0.1
done
say "demo API on $BASE (pid $SERVER_PID)"

# --- collections -------------------------------------------------------------
C=$WORK/c
mkdir -p "$C"
check_pet='    request: { url: /pets/1 }
    expect:
      status: 200
      json: { $.name: Rex }'

cat >"$C/w1-foreach.yaml" <<EOF
name: W1 for_each
base_url: "$BASE"
steps:
  - name: pet
    for_each: "{{ range(1000) }}"
$check_pet
EOF

steps_file() { # steps_file NAME COUNT > file
    printf 'name: %s\nbase_url: "%s"\nsteps:\n' "$1" "$BASE"
    awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "  - name: pet %d\n    request: { url: /pets/1 }\n    expect:\n      status: 200\n      json: { $.name: Rex }\n", i }'
}
steps_file "W1 literal" 1000 >"$C/w1-steps.yaml"
steps_file "W3 one" 1 >"$C/w3-one.yaml"
steps_file "W5 ten thousand" 10000 >"$C/w5-10000.yaml"

cat >"$C/w2-chain.yaml" <<EOF
name: W2 chain
base_url: "$BASE"
steps:
  - group: chain
    for_each: "{{ range(100) }}"
    steps:
      - name: login
        request:
          method: POST
          url: /login
          json: { username: alice, password: wonderland }
        expect: { status: 200 }
        extract: { token: \$.token }
      - name: me
        request:
          url: /me
          auth: { bearer: "{{ token }}" }
        expect:
          status: 200
          json: { \$.name: alice }
EOF

cat >"$C/w6-bulk.yaml" <<EOF
name: W6 large body
base_url: "$BASE"
steps:
  - name: bulk
    request: { url: "/bulk?items=190000" }
    expect:
      status: 200
      json:
        \$.items[-1].name: item-189999
        \$.items: { length: 190000 }
EOF

par_file() { # par_file COUNT > file
    cat <<EOF
name: W4 parallel $1
base_url: "$BASE"
steps:
  - group: many
    for_each: "{{ range($1) }}"
    parallel: 64
    steps:
      - name: pet
$(printf '%s\n' "$check_pet" | sed 's/^/    /')
EOF
}
par_file 10000 >"$C/w4-10000.yaml"
par_file 100 >"$C/w4-100.yaml"

# Every collection must pass before it is timed.
for f in "$C"/*.yaml; do
    if ! "$SORTIE" run -q --max-body 32MiB "$f" >"$WORK/out.txt" 2>&1; then
        say "$f does not pass:"; tail -20 "$WORK/out.txt" >&2; exit 1
    fi
done
"$FLOOR" seq "$BASE" 10 2>/dev/null && "$FLOOR" chain "$BASE" 10 2>/dev/null && "$FLOOR" par "$BASE" 100 64 2>/dev/null \
    && "$FLOOR" hyper "$BASE" 100 64 2>/dev/null \
    || { say "the floor program fails against $BASE"; exit 1; }

# --- measuring ---------------------------------------------------------------
# The commands of one workload are timed in alternating rounds (ROUNDS rounds of
# PER runs, one hyperfine call per round with every command of the workload), so
# a machine whose load drifts favours neither side.
q() { printf '%q ' "$@"; }
# rounds NAME COMMAND_STRING...: appends "index seconds" lines to NAME.times and
# "index cpu-seconds" (user + system, mean of the round) to NAME.cpu.
rounds() {
    local name=$1 r; shift
    say "  $name"
    for ((r = 1; r <= ROUNDS; r++)); do
        "${CLIENT_CPU[@]}" hyperfine -N --style none --warmup 1 --runs "$PER" --export-json "$WORK/$name.json" "$@" \
            >/dev/null 2>"$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
        jq -r '.results | to_entries[] | .key as $i | .value.times[] | "\($i) \(.)"' "$WORK/$name.json" >>"$WORK/$name.times"
        jq -r '.results | to_entries[] | "\(.key) \(.value.user + .value.system)"' "$WORK/$name.json" >>"$WORK/$name.cpu"
        if [ "$name" = w4 ]; then wrk_once; fi
    done
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { awk -v i="$2" '$1 == i { print $2 * 1000 }' "$WORK/$1.times" | median; } # ms NAME INDEX: median wall time
cpu() { awk -v i="$2" '$1 == i { print $2 * 1000 }' "$WORK/$1.cpu" | median; }  # cpu NAME INDEX: median CPU time
wrk_once() { # one 3-second wrk run at 64 connections; requests/s appended to wrk.rps
    "${CLIENT_CPU[@]}" wrk -t"$(nproc)" -c64 -d3s "$BASE/pets/1" | awk '/^Requests\/sec:/ { print $2 }' >>"$WORK/wrk.rps"
}
rss_kib() { # rss_kib COMMAND...: peak resident set size of one run, in KiB
    "${CLIENT_CPU[@]}" /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
    tail -1 "$WORK/rss"
}

say "measuring ($ROUNDS rounds of $PER runs)"
rounds w1 "$(q "$SORTIE" run "$C/w1-foreach.yaml")" "$(q "$SORTIE" run "$C/w1-steps.yaml")" "$(q "$FLOOR" seq "$BASE" 1000)"
rounds w2 "$(q "$SORTIE" run "$C/w2-chain.yaml")" "$(q "$FLOOR" chain "$BASE" 100)"
rounds w3 "$(q "$SORTIE" run "$C/w3-one.yaml")" "$(q "$FLOOR" seq "$BASE" 1)" "$(q "$SORTIE" validate "$C/w3-one.yaml")"
rounds w4 "$(q "$SORTIE" run "$C/w4-10000.yaml")" "$(q "$FLOOR" par "$BASE" 10000 64)" "$(q "$FLOOR" hyper "$BASE" 10000 64)"
rounds w5 "$(q "$SORTIE" validate "$C/w5-10000.yaml")"
rounds w6 "$(q "$SORTIE" run --max-body 32MiB "$C/w6-bulk.yaml")" "$(q curl -sS -o /dev/null "$BASE/bulk?items=190000")"

say "peak RSS"
r1f=$(rss_kib "$SORTIE" run "$C/w1-foreach.yaml")
r1s=$(rss_kib "$SORTIE" run "$C/w1-steps.yaml")
r1x=$(rss_kib "$FLOOR" seq "$BASE" 1000)
r2s=$(rss_kib "$SORTIE" run "$C/w2-chain.yaml")
r2x=$(rss_kib "$FLOOR" chain "$BASE" 100)
r3s=$(rss_kib "$SORTIE" run "$C/w3-one.yaml")
r3x=$(rss_kib "$FLOOR" seq "$BASE" 1)
r3v=$(rss_kib "$SORTIE" validate "$C/w3-one.yaml")
r4s=$(rss_kib "$SORTIE" run "$C/w4-10000.yaml")
r4h=$(rss_kib "$SORTIE" run "$C/w4-100.yaml")
r4x=$(rss_kib "$FLOOR" par "$BASE" 10000 64)
r4y=$(rss_kib "$FLOOR" hyper "$BASE" 10000 64)
r5v=$(rss_kib "$SORTIE" validate "$C/w5-10000.yaml")
r6s=$(rss_kib "$SORTIE" run --max-body 32MiB "$C/w6-bulk.yaml")
r6x=$(rss_kib curl -sS -o /dev/null "$BASE/bulk?items=190000")
b6=$(curl -sS -o /dev/null -w '%{size_download}' "$BASE/bulk?items=190000")

# --- table -------------------------------------------------------------------
calc() { awk "BEGIN { printf \"$1\", $2 }"; } # calc FORMAT EXPRESSION
mib() { calc %.1f "$1 / 1024"; }
ok() { if awk "BEGIN { exit !($1) }"; then echo yes; else echo "**no**"; fi; }

w1f=$(ms w1 0) w1s=$(ms w1 1) w1x=$(ms w1 2) c1f=$(cpu w1 0) c1s=$(cpu w1 1) c1x=$(cpu w1 2)
w2s=$(ms w2 0) w2x=$(ms w2 1) c2s=$(cpu w2 0) c2x=$(cpu w2 1)
w3s=$(ms w3 0) w3x=$(ms w3 1) w3v=$(ms w3 2) c3s=$(cpu w3 0) c3x=$(cpu w3 1) c3v=$(cpu w3 2)
w4s=$(ms w4 0) w4x=$(ms w4 1) w4h=$(ms w4 2) c4s=$(cpu w4 0) c4x=$(cpu w4 1) c4h=$(cpu w4 2)
w4w=$(median <"$WORK/wrk.rps")
w5v=$(ms w5 0) c5v=$(cpu w5 0)
w6s=$(ms w6 0) w6x=$(ms w6 1) c6s=$(cpu w6 0) c6x=$(cpu w6 1)
w4s_rps=$(calc %.0f "10000 / ($w4s / 1000)")
w4x_rps=$(calc %.0f "10000 / ($w4x / 1000)")
w4h_rps=$(calc %.0f "10000 / ($w4h / 1000)")

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cat <<EOF

Machine: $(nproc) CPUs, $cpu_model; $(uname -sr); $(rustc --version 2>/dev/null || echo "rustc ?").
Load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg). $ROUNDS rounds × $PER runs; pinning: ${BENCH_PIN:-0}.
Server: sortie-demo (release) on $BASE. Times: medians, whole process. CPU: user + system, median of the rounds.

| Workload | Sortie | Floor | Ratio | Target | Met | CPU Sortie / floor | Peak RSS Sortie / floor |
|---|---|---|---|---|---|---|---|
| W1 1000 GETs, one \`for_each\` step | $(calc %.1f "$w1f") ms | $(calc %.1f "$w1x") ms (reqwest loop) | $(calc %.2f "$w1f / $w1x")× | ≤ 1.2× | $(ok "$w1f / $w1x <= 1.2") | $(calc %.0f "$c1f") / $(calc %.0f "$c1x") ms | $(mib "$r1f") / $(mib "$r1x") MiB |
| W1 1000 GETs, 1000 literal steps | $(calc %.1f "$w1s") ms | $(calc %.1f "$w1x") ms (reqwest loop) | $(calc %.2f "$w1s / $w1x")× | ≤ 1.2× | $(ok "$w1s / $w1x <= 1.2") | $(calc %.0f "$c1s") / $(calc %.0f "$c1x") ms | $(mib "$r1s") / $(mib "$r1x") MiB |
| W2 100 × (login → bearer GET) | $(calc %.1f "$w2s") ms | $(calc %.1f "$w2x") ms (reqwest loop) | $(calc %.2f "$w2s / $w2x")× | ≤ 1.2× | $(ok "$w2s / $w2x <= 1.2") | $(calc %.0f "$c2s") / $(calc %.0f "$c2x") ms | $(mib "$r2s") / $(mib "$r2x") MiB |
| W3 one-request collection | $(calc %.1f "$w3s") ms | $(calc %.1f "$w3x") ms (reqwest, 1 GET) | $(calc %.2f "$w3s / $w3x")× | < 10 ms | $(ok "$w3s < 10") | $(calc %.1f "$c3s") / $(calc %.1f "$c3x") ms | $(mib "$r3s") / $(mib "$r3x") MiB |
| W3 \`validate\`, one step | $(calc %.1f "$w3v") ms | — | — | < 10 ms | $(ok "$w3v < 10") | $(calc %.1f "$c3v") ms | $(mib "$r3v") MiB |
| W4 10,000 GETs, group at parallel 64 | $w4s_rps req/s | $(calc %.0f "$w4w") req/s (wrk -c64) | $(calc %.2f "$w4s_rps / $w4w")× | ≥ 0.8× | $(ok "$w4s_rps / $w4w >= 0.8") | $(calc %.0f "$c4s") ms / — | $(mib "$r4s") MiB / — |
| W4 against the reqwest floor | $w4s_rps req/s | $w4x_rps req/s (reqwest, 64 in flight) | $(calc %.2f "$w4s_rps / $w4x_rps")× | — | — | $(calc %.0f "$c4s") / $(calc %.0f "$c4x") ms | $(mib "$r4s") / $(mib "$r4x") MiB |
| W4 against bare hyper | $w4s_rps req/s | $w4h_rps req/s (hyper, 64 connections) | $(calc %.2f "$w4s_rps / $w4h_rps")× | — | — | $(calc %.0f "$c4s") / $(calc %.0f "$c4h") ms | $(mib "$r4s") / $(mib "$r4y") MiB |
| W5 \`validate\`, 10,000 steps | $(calc %.1f "$w5v") ms | — | — | < 100 ms | $(ok "$w5v < 100") | $(calc %.0f "$c5v") ms | $(mib "$r5v") MiB |
| W6 one $(calc %.1f "$b6 / 1048576") MiB JSON body, checked | $(calc %.1f "$w6s") ms | $(calc %.1f "$w6x") ms (curl download) | $(calc %.2f "$w6s / $w6x")× | RSS ≤ 20× body | $(ok "$r6s * 1024 <= 20 * $b6") ($(calc %.1f "$r6s * 1024 / $b6")×) | $(calc %.0f "$c6s") / $(calc %.0f "$c6x") ms | $(mib "$r6s") / $(mib "$r6x") MiB |
| Peak RSS, W4 at 10,000 vs 100 items | $(mib "$r4s") MiB | $(mib "$r4h") MiB (100 items) | $(calc %.2f "$r4s / $r4h")× | < 2× | $(ok "$r4s / $r4h < 2") | | |
EOF
