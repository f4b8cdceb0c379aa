#!/usr/bin/env bash
# bench/openapi.sh — what OpenAPI contract mode costs, in one command:
#
#     bench/openapi.sh                 # from anywhere in the repository
#     RUNS=15 bench/openapi.sh
#     SKIP_BUILD=1 bench/openapi.sh    # measure the release build already in target/
#
# Builds sortie and the demo API in release, starts the demo on a free port of
# 127.0.0.1 and measures with hyperfine (whole processes, medians):
#
#   C1 contract    1000 sequential GETs of /pets/1 (one step, `for_each`), each
#                  checking the status and `$.name`: without `openapi`, and with
#                  the demo's spec (every response also checked against it).
#                  Target: at most 1.15x.
#   C2 spec load   `sortie validate` of a one-step collection naming a generated
#                  ~1 MB spec (2,000 operations over 500 component schemas, split
#                  over two files), minus the same without `openapi`: loading and
#                  compiling the spec. Target: under 100 ms.
#
# The result is a Markdown table on stdout; progress goes to stderr. hyperfine,
# curl and jq are needed (bench/run.sh installs them with apt-get).

set -euo pipefail

RUNS=${RUNS:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release
HOST=127.0.0.1
say() { printf '%s\n' "$*" >&2; }

say "building (release)"
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release --quiet --bin sortie --bin sortie-demo)
SORTIE=${SORTIE_BIN:-$BIN/sortie}

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=""
for p in $(seq 18180 18280); do
    if port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { say "no free port in 18180-18280"; exit 1; }
BASE="http://$HOST:$PORT"
"$BIN/sortie-demo" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 30))
until curl -fsS "$BASE/health" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/server.log" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then say "the demo did not answer within 30 s"; exit 1; fi
    sleep 0.1
done
say "demo API on $BASE"

cd "$WORK"
cp "$ROOT/collections/specs/demo-api.json" demo-api.json
steps='steps:
  - name: pet
    for_each: "{{ range(1000) }}"
    request: { url: /pets/1 }
    expect:
      status: 200
      json: { $.name: Rex }'
printf 'base_url: "%s"\n%s\n' "$BASE" "$steps" >plain.yaml
printf 'base_url: "%s"\nopenapi: demo-api.json\n%s\n' "$BASE" "$steps" >contract.yaml
"$SORTIE" run plain.yaml --quiet >/dev/null
"$SORTIE" run contract.yaml --quiet | grep -q "OpenAPI coverage: 1/5 operations, 1/7 responses"

# A ~1 MB spec: 500 schemas (with $refs between them) in a second file, 2,000 operations.
python3 - <<'PY'
import json
schemas = {}
for i in range(500):
    schemas[f"S{i}"] = {
        "type": "object",
        "required": ["id", "name"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer", "format": "int64", "minimum": 1},
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "tags": {"type": "array", "items": {"type": "string"}},
            "created": {"type": "string", "format": "date-time"},
            "next": {"$ref": f"#/S{(i + 1) % 500}"},
        },
    }
paths = {}
for i in range(1000):
    s = f"schemas.json#/S{i % 500}"
    paths[f"/r{i}/{{id}}"] = {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "get": {"operationId": f"get{i}", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": s}}}},
            "404": {"description": "missing"}}},
        "put": {"operationId": f"put{i}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": s}}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": s}}}}}},
    }
json.dump({"openapi": "3.1.0", "info": {"title": "big", "version": "1"}, "paths": paths}, open("big.json", "w"), indent=1)
json.dump(schemas, open("schemas.json", "w"), indent=1)
PY
SIZE=$(($(stat -c %s big.json) + $(stat -c %s schemas.json)))
printf 'base_url: "%s"\nopenapi: big.json\nsteps:\n  - request: { url: "/r7/{{ 1 }}" }\n' "$BASE" >big.yaml
printf 'base_url: "%s"\nsteps:\n  - request: { url: "/r7/{{ 1 }}" }\n' "$BASE" >small.yaml
"$SORTIE" validate big.yaml >/dev/null

hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json c1.json \
    -n plain "$SORTIE run plain.yaml --quiet" -n contract "$SORTIE run contract.yaml --quiet" >&2
hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json c2.json \
    -n without "$SORTIE validate small.yaml" -n with "$SORTIE validate big.yaml" >&2

median() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$1"; }
# CPU (user + system, means): steadier than wall time on a busy machine.
cpu() { jq -r --arg n "$2" '.results[] | select(.command == $n) | (.user + .system) * 1000' "$1"; }
P=$(median c1.json plain) C=$(median c1.json contract)
PC=$(cpu c1.json plain) CC=$(cpu c1.json contract)
W=$(median c2.json without) B=$(median c2.json with)
WC=$(cpu c2.json without) BC=$(cpu c2.json with)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3fx", a / b }'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f ms", a - b }'; }
cat <<EOF
| measure | without openapi | with openapi | figure |
| --- | ---: | ---: | ---: |
| C1: 1000 sequential GETs, wall | $(printf %.1f "$P") ms | $(printf %.1f "$C") ms | $(ratio "$C" "$P") |
| C1: 1000 sequential GETs, CPU | $(printf %.1f "$PC") ms | $(printf %.1f "$CC") ms | $(ratio "$CC" "$PC") |
| C2: validate, spec of $((SIZE / 1024)) KiB, wall | $(printf %.1f "$W") ms | $(printf %.1f "$B") ms | load + compile $(diff_ms "$B" "$W") |
| C2: validate, spec of $((SIZE / 1024)) KiB, CPU | $(printf %.1f "$WC") ms | $(printf %.1f "$BC") ms | load + compile $(diff_ms "$BC" "$WC") |
EOF
