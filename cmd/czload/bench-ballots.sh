#!/usr/bin/env bash
# bench-ballots.sh: ballots per second, 创争 against the reference server of
# shared/bench/limit (its group-commit endpoint, synchronous FULL), side by
# side in one session, alternating runs (limit, app, limit, app …) so that
# drift on a shared machine hits both. Both are driven by the same client,
# czload -mode ballot: the app's voters are slip codes (no login, one
# POST /api/v1/evaluations/{id}/ballots each, 201 with a receipt), the
# reference's its seeded sessions (POST /ballot-group, 204).
#
#   cmd/czload/bench-ballots.sh                      # SQLite
#   PG='postgres://postgres@127.0.0.1:5432/bench?sslmode=disable' cmd/czload/bench-ballots.sh
#
# Settings: CONNS="16 64" ROUNDS=2 DUR=5s LIMIT_DIR=../shared/bench/limit
#           VOTERS=100000 (slips of the benchmark evaluation: members imported
#           into 市水科所支部 in files of 25,000) PORT=8197 LIMIT_PORT=8191
#           WORK=<dir> (kept between runs: the prepared database is reused)
# The app's database is prepared once (the demo bureau and VOTERS members);
# each invocation opens a fresh evaluation of the branch (template "branch":
# five items on the 满意 … 不满意 scale), and each run restarts the app and
# votes with slips not used yet. Each ballot run ends with SIGKILL for both servers, and
# "stored" counts the ballots in the database afterwards: it must be at
# least "acked" (no acknowledged ballot lost).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONNS=${CONNS:-"16 64"}
ROUNDS=${ROUNDS:-2}
DUR=${DUR:-5s}
LIMIT_DIR=${LIMIT_DIR:-$ROOT/../shared/bench/limit}
[[ -d $LIMIT_DIR ]] || LIMIT_DIR=/work/shared/bench/limit
VOTERS=${VOTERS:-100000}
PORT=${PORT:-8197}
LIMIT_PORT=${LIMIT_PORT:-8191}
PG=${PG:-}
ENGINE=sqlite; [[ -n $PG ]] && ENGINE=postgres
WORK=${WORK:-/tmp/czbench-ballots-$ENGINE}
mkdir -p "$WORK"
for p in "$PORT" "$LIMIT_PORT"; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then echo "something already answers on port $p" >&2; exit 1; fi
done
APP=http://127.0.0.1:$PORT
DBARG=$WORK/app.db; [[ -n $PG ]] && DBARG=$PG

(cd "$ROOT" && go build -o "$WORK/chuangzheng" ./cmd/chuangzheng && go build -o "$WORK/czload" ./cmd/czload)
(cd "$LIMIT_DIR" && go build -o "$WORK/limit" .)

PID=
stop() { [[ -n $PID ]] && { kill "-${1:-TERM}" "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; }; }
trap 'stop KILL' EXIT
wait_up() { # URL
  for _ in $(seq 1 600); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    kill -0 "$PID" 2>/dev/null || { echo "server died; see $WORK/*.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "no answer from $1" >&2; exit 1
}
start_app() {
  "$WORK/chuangzheng" serve --addr "127.0.0.1:$PORT" --db "$DBARG" "$@" >>"$WORK/app.log" 2>&1 &
  PID=$!
  wait_up "$APP/healthz"
}
stored_app() {
  if [[ -n $PG ]]; then psql -Atq "$PG" -c "SELECT count(*) FROM evaluation_ballots WHERE evaluation_id = $(cat "$WORK/eval")"
  else sqlite3 "$WORK/app.db" "SELECT count(*) FROM evaluation_ballots WHERE evaluation_id = $(cat "$WORK/eval")"; fi
}

# Prepare the app's database once: the demo and the members.
if [[ ! -s $WORK/prepared ]]; then
  [[ -z $PG ]] && rm -f "$WORK"/app.db*
  start_app --demo
  stop TERM
  per=25000
  for ((i = 1; (i - 1) * per < VOTERS; i++)); do
    n=$(( VOTERS - (i - 1) * per < per ? VOTERS - (i - 1) * per : per ))
    (cd "$ROOT" && go run ./internal/bench/genroster -n "$n" -seed "$i" -branch 市水科所支部 -o "$WORK/roster$i.xlsx" >/dev/null)
    "$WORK/chuangzheng" import members "$WORK/roster$i.xlsx" --org 市水科所支部 --db "$DBARG" >/dev/null
  done
  echo "$VOTERS" >"$WORK/prepared"
fi
# open_eval opens a fresh evaluation of the branch on the running app (its
# VOTERS slips all unused) and writes its id to $WORK/eval.
open_eval() {
  curl -s -c "$WORK/cookies" -H 'Content-Type: application/json' -d '{"username":"office","password":"demo"}' "$APP/api/v1/session" >/dev/null
  unit=$(curl -s -b "$WORK/cookies" "$APP/api/v1/orgs" | python3 -c '
import json, sys
def walk(x):
    if isinstance(x, dict):
        if x.get("name") == "市水科所支部" and "id" in x: print(x["id"]); sys.exit(0)
        for v in x.values(): walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(json.load(sys.stdin))')
  camp=$(curl -s -b "$WORK/cookies" "$APP/api/v1/campaigns" | python3 -c 'import json,sys; print(json.load(sys.stdin)["campaigns"][0]["id"])')
  curl -s -b "$WORK/cookies" -H 'Content-Type: application/json' \
    -d "{\"campaign_id\":$camp,\"unit_id\":$unit,\"template\":\"branch\"}" "$APP/api/v1/evaluations" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ids"][0])' >"$WORK/eval"
  echo "opened evaluation $(cat "$WORK/eval") with $VOTERS members' slips in $DBARG" >&2
}

OUT=$WORK/results-$(date -u +%Y%m%dT%H%M%S).csv
echo "round,target,conns,rps,p50_ms,p90_ms,p99_ms,max_ms,acked,stored_delta" | tee "$OUT"
row() { # ROUND TARGET CONNS RESULTLINE STORED
  awk -v round="$1" -v target="$2" -v c="$3" -v stored="$5" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
      printf "%s,%s,%s,%.0f,%.2f,%.2f,%.2f,%.1f,%d,%s\n", round, target, c, r["rps"], r["p50"], r["p90"], r["p99"], r["max"], r["acked"], stored
    }' <<<"$4" | tee -a "$OUT"
}
base=1
for c in $CONNS; do
  for round in $(seq 1 "$ROUNDS"); do
    # The reference: a fresh database with 400,000 sessions, synchronous FULL.
    rm -rf "$WORK/limitdb"; mkdir -p "$WORK/limitdb"
    "$WORK/limit" -addr "127.0.0.1:$LIMIT_PORT" -db "$WORK/limitdb/limit.db" -sync FULL -voters 400000 >>"$WORK/limit.log" 2>&1 &
    PID=$!
    wait_up "http://127.0.0.1:$LIMIT_PORT/hello"
    res=$("$WORK/czload" -mode ballot -api limit -url "http://127.0.0.1:$LIMIT_PORT" -voter-base "$base" -c "$c" -d "$DUR" | grep '^RESULT')
    base=$(( base + 100000 ))
    stop KILL
    stored=$("$WORK/limit" count -db "$WORK/limitdb/limit.db" | sed 's/ballots=\([0-9]*\).*/\1/')
    row "$round" limit "$c" "$res" "$stored"

    # 创争: a fresh evaluation, then restarted, voting with its slips.
    start_app
    open_eval
    stop TERM
    # As an evaluation opened days before the meeting: its 100,000 voter
    # rows checkpointed (and, on PostgreSQL, analysed) before voting.
    if [[ -n $PG ]]; then psql -q "$PG" -c "CHECKPOINT" -c "ANALYZE evaluation_voters"
    else sqlite3 "$WORK/app.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; fi
    start_app
    before=$(stored_app)
    res=$("$WORK/czload" -mode ballot -url "$APP" -eval "$(cat "$WORK/eval")" -c "$c" -d "$DUR" -receipts "$WORK/receipts.txt" | grep '^RESULT')
    stop KILL
    row "$round" app "$c" "$res" "$(( $(stored_app) - before ))"
  done
done
echo
echo "Mean of $ROUNDS rounds ($ENGINE for the app; the reference always SQLite FULL):"
awk -F, 'NR > 1 { k = $3 "|" $2; n[k]++; rps[k] += $4; p50[k] += $5; p99[k] += $7; if ($10 < $9) lost[k] += $9 - $10 }
  END {
    printf "%-6s %-6s %9s %8s %8s %s\n", "conns", "target", "ballots/s", "p50 ms", "p99 ms", "notes"
    for (k in n) { split(k, f, "|"); printf "%-6s %-6s %9.0f %8.2f %8.2f %s\n", f[1], f[2], rps[k]/n[k], p50[k]/n[k], p99[k]/n[k], (lost[k] ? lost[k] " ACKED BALLOTS MISSING" : "") }
  }' "$OUT" | sort -k1,1n -k2,2
echo "CSV: $OUT"
