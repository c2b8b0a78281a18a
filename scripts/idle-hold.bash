# Sourced by scripts/measure-tail and scripts/measure-idle-cost: idle connections held by a load
# tool process of their own (java -jar ludus-loadtest.jar --hold), so that its thousands of
# connections and its pauses do not delay what else the script measures. Needs $tool (the load
# tool's jar). One hold at a time; its standard input is a fifo on descriptor 7.

idle_holder=

# idle_hold_start DIR URL N JAVA_OPTION [COMMAND PREFIX...]: opens N idle connections to the
# gateway at URL (output in DIR/idle.log), and returns once they are held; fails if the tool exits.
idle_hold_start() {
  local dir=$1 url=$2 n=$3 java_option=$4
  shift 4
  mkfifo "$dir/hold.fifo"
  ${1+"$@"} java "$java_option" -Xmx4g -jar "$tool" --hold --idle "$n" --url "$url" --no-server-cpu --timeout-s 600 \
    <"$dir/hold.fifo" >"$dir/idle.log" 2>&1 &
  idle_holder=$!
  exec 7>"$dir/hold.fifo"
  until grep -q '^holding ' "$dir/idle.log"; do
    kill -0 "$idle_holder" 2>/dev/null || { cat "$dir/idle.log" >&2; echo "the idle connections' load tool exited" >&2; return 1; }
    sleep 1
  done
}

# idle_hold_stop DIR: ends the hold, waits for the tool's report and sets idle_held, idle_opened_s,
# idle_open_end and idle_dropped from it; fails when there is none. (Call it in the script's own
# shell, not in a subshell: it waits for the tool, a child of that shell.)
idle_hold_stop() {
  local dir=$1
  echo stop >&7
  exec 7>&-
  wait "$idle_holder" || true
  idle_holder=
  read -r idle_held idle_opened_s < <(sed -n 's/^holding \([0-9]*\) of [0-9]* idle connections (opened in \([0-9.]*\) s).*/\1 \2/p' "$dir/idle.log")
  idle_open_end=$(sed -n 's/^  idle open at the end: *\([0-9]*\).*/\1/p' "$dir/idle.log")
  idle_dropped=$(sed -n 's/^  idle dropped: *\(.*\)/\1/p' "$dir/idle.log")
  [ -n "$idle_open_end" ] || { cat "$dir/idle.log" >&2; echo "no report from the idle connections' load tool" >&2; return 1; }
}

# idle_hold_kill: stops a hold that is still running (on an error or at exit).
idle_hold_kill() {
  if [ -n "$idle_holder" ]; then
    kill "$idle_holder" 2>/dev/null || true
    wait "$idle_holder" 2>/dev/null || true
    idle_holder=
  fi
}
