# Sourced by scripts/compare-rooms, scripts/benchmark-gate and scripts/compare-cpu-per-action:
# measures a base revision and the working tree side by side, in one run on one machine, with the
# same harness.
#
# The base revision is checked out in a temporary git worktree; the working tree's benchmarks/ and
# loadtest/ are copied over it, so both sides run the same harness; both sides are built offline
# (benchmarks, assembly and what they need). Each round runs every measurement once per side, the
# side that goes first alternating from round to round, one side at a time.
#
# The caller sets, before sourcing: tool (its name, for messages and temporary folders) and
# optionally fail_status (the exit status when a build or a run fails, default 1) and
# sides_benchmarks=0 (it measures the distributions only: the base is built as it was, without
# this tree's benchmarks, so a base older than the benchmarks' modules builds too); before
# sides_prepare: the sizes its measurements use (GAMES, RECOVERY_ACTIONS, RECOVERY_RUNS, WARMUP_S,
# MEASURE_S, PLAYERS, GATEWAY_ROUNDS). It may define measure_<name> functions of its own
# (arguments: side, round) and sides_on_exit (run by the exit trap before the worktree goes).
#
#   sides_prepare <base-rev>          the worktree, both builds, jar[side], dist[side], loadtool
#   sides_alternate <rounds> <measure>...   every measure_<name> once per side and round
#   values["<metric> <side>"]         the figures record collected, one per round
#   stats <value>...                  "median min max"
# Every child runs in the background and is waited for, so an interrupt reaches the exit trap at
# once; the trap stops it, the server and removes the worktree and temporary folder.

server_pid=
child_pid=
work=
fail_status=${fail_status:-1}   # the exit status when a build or a run fails

say() { echo "[$tool $(date +%H:%M:%S)] $*" >&2; }
fail() { echo "$tool: $*" >&2; exit "$fail_status"; }

sides_cleanup() {
  [ -z "$child_pid" ] || kill -TERM -- "-$child_pid" 2>/dev/null || kill -TERM "$child_pid" 2>/dev/null || true
  stop_server
  if declare -F sides_on_exit >/dev/null; then sides_on_exit || true; fi
  [ -n "$work" ] || return 0
  git -C "$root" worktree remove --force "$work/base" 2>/dev/null || true
  rm -rf "$work"
}

sides_run() { # log command...: in the background and waited for; the exit status is the command's
  # Its own process group (setsid), so the exit trap stops what it started too (a JMH fork).
  local log=$1 rc=0; shift
  setsid "$@" >"$log" 2>&1 &
  child_pid=$!
  wait "$child_pid" || rc=$?
  child_pid=
  return "$rc"
}

sides_prepare() { # base-rev
  local base_rev=$1 side dir tool_needed
  for tool_needed in git mvn java curl setsid; do
    command -v "$tool_needed" >/dev/null || { echo "$tool_needed is needed" >&2; exit "$fail_status"; }
  done
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  base_commit=$(git -C "$root" rev-parse --verify --quiet "$base_rev^{commit}") \
    || { echo "not a revision: $base_rev" >&2; exit 2; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/$tool.XXXXXX")
  logs=${LOG_DIR:-$work/logs}
  mkdir -p "$logs"
  trap sides_cleanup EXIT
  trap 'exit 130' INT TERM

  say "base: $base_rev ($(git -C "$root" log -1 --format='%h %s' "$base_commit")); new: the working tree"
  git -C "$root" worktree add --quiet --detach "$work/base" "$base_commit"
  # The load tool does not depend on the runtime: one jar, built from the working tree, serves both.
  if [ "${sides_benchmarks:-1}" = 1 ]; then
    rm -rf "$work/base/benchmarks" "$work/base/loadtest"
    tar -C "$root" --exclude=target -cf - benchmarks loadtest | tar -C "$work/base" -xf -
    sides_build new "$root" benchmarks,loadtest,assembly
    sides_build base "$work/base" benchmarks,assembly
  else
    # Only the distributions are measured: the base builds its own, whatever modules it had (this
    # tree's benchmarks need modules an older base does not have).
    sides_build new "$root" loadtest,assembly
    sides_build base "$work/base" assembly
  fi

  declare -gA jar dist
  for side in base new; do
    dir=$root; [ "$side" = base ] && dir=$work/base
    if [ "${sides_benchmarks:-1}" = 1 ]; then
      jar[$side]=$work/benchmarks-$side.jar
      cp "$dir/benchmarks/target/benchmarks.jar" "${jar[$side]}"
    fi
    # A copy of each distribution, so its configuration can be changed without touching the tree.
    dist[$side]=$work/dist-$side
    cp -r "$dir/assembly/target/ludus" "${dist[$side]}"
    rm -rf "${dist[$side]}/data"
    # All simulated players connect from one address; no rate limits; no load shedding (at
    # saturation it would hold the node back, and the runs would measure the holding back).
    printf 'maxConnectionsPerAddress = 100000\nlimits = off\nshedding = off\n' >"${dist[$side]}/conf/dev.ludus.gateway.cfg"
  done
  loadtool=$work/ludus-loadtest.jar
  cp "$root/loadtest/target/ludus-loadtest.jar" "$loadtool"
}

sides_build() { # side dir modules
  local side=$1 dir=$2 modules=$3 t0=$SECONDS
  say "building $side ($modules)"
  sides_run "$logs/build-$side.log" bash -c 'cd "$1" && exec mvn -B -q -o package -DskipTests -pl "$2" -am' - "$dir" "$modules" \
    || { tail -40 "$logs/build-$side.log" >&2; fail "the $side build failed (log above)"; }
  say "built $side in $((SECONDS - t0)) s"
}

sides_alternate() { # rounds measure...
  local rounds=$1 r order m side; shift
  for r in $(seq 1 "$rounds"); do
    order="base new"; [ $((r % 2)) -eq 0 ] && order="new base"
    for m in "$@"; do
      for side in $order; do
        say "round $r/$rounds: $m, $side"
        "measure_$m" "$side" "$r"
      done
    done
  done
}

# ---------------------------------------------------------------- figures

declare -A values   # "metric side" -> space-separated values, one per round

record() { # metric side value
  [[ "$3" =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "$1 of $2: no figure in the output (see $logs)"
  values["$1 $2"]="${values["$1 $2"]:-} $3"
}

result() { # key log -> the value of key= in the RESULT line
  sed -n "s/^RESULT .*\b$1=\([0-9.]*\).*/\1/p" "$2" | tail -1
}

run_java() { # log java-arguments...
  local log=$1; shift
  sides_run "$log" java "$@" || { tail -30 "$log" >&2; fail "$(basename "$log" .log) failed (output above)"; }
}

stats() { # values... -> "median min max"
  printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%s %s %s", m, v[1], v[NR] }'
}

num() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else printf "%.3g", v }'; }

# ---------------------------------------------------------------- the rooms runtime's measurements

measure_recovery() { # side round
  local log="$logs/recovery-$1-$2.log"
  run_java "$log" -cp "${jar[$1]}" dev.ludus.rooms.RecoveryBenchmark "$GAMES" "$RECOVERY_ACTIONS" "$RECOVERY_RUNS"
  record recovery_ms "$1" "$(result recovery_ms "$log")"
  record full_replay_ms "$1" "$(result full_replay_ms "$log")"
}

measure_actions() { # side round
  local log="$logs/actions-$1-$2.log"
  run_java "$log" -cp "${jar[$1]}" dev.ludus.rooms.ActionsBenchmark "$GAMES" "$WARMUP_S" "$MEASURE_S"
  record actions_per_s "$1" "$(result actions_per_s "$log")"
  record gap_p99_ms "$1" "$(result gap_p99_ms "$log")"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM -- "-$server_pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 -- "-$server_pid" 2>/dev/null || { server_pid=; return 0; }
    sleep 0.1
  done
  kill -KILL -- "-$server_pid" 2>/dev/null || true
  server_pid=
}

measure_gateway() { # side round
  local side=$1 port data log="$logs/gateway-$1-$2.log" serverlog="$logs/server-$1-$2.log" run
  port=$(free_port)
  data=$work/data-$side-$2
  # Its own process group (setsid), so stopping it stops everything it started. It listens on
  # 127.0.0.1 only (the distribution's default), and the load tool connects there.
  LUDUS_HTTP_HOST=127.0.0.1 LUDUS_HTTP_PORT=$port LUDUS_DATA=$data LUDUS_CONSOLE_PASSWORD=$tool \
    setsid "${dist[$side]}/bin/ludus" >"$serverlog" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + 120))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" = 200 ]; do
    kill -0 "$server_pid" 2>/dev/null || { tail -30 "$serverlog" >&2; fail "the $side distribution exited"; }
    [ $SECONDS -lt $deadline ] || { tail -30 "$serverlog" >&2; fail "the $side distribution was not ready in 120 s"; }
    sleep 0.1
  done
  # A short run first (one round per game), discarded: the server's code is compiled by then.
  for run in warm-up measured; do
    sides_run "$log" java -jar "$loadtool" --url "ws://127.0.0.1:$port/ws" --players "$PLAYERS" --think-ms 0 --no-echo \
      --timeout-s 600 --rounds "$([ $run = warm-up ] && echo 1 || echo "$GATEWAY_ROUNDS")" \
      || { tail -30 "$log" >&2; stop_server; fail "the $run load run against $side failed (output above)"; }
  done
  stop_server
  rm -rf "$data"
  record gateway_actions_per_s "$side" "$(awk '$1 == "actions:" {print $4}' "$log" | tail -1)"
}
