# lib_stop_call.sh — shared by t_cancel.sh and t_bulk_cancel.sh (source it
# after scripts/lib/tap.sh): stopping a backend's Lambda calls in flight.
#
# cancel_within_200ms PID JOB OUT WHAT sends pg_cancel_backend to the
# backend PID (whose psql runs as background job JOB, writing to OUT and
# printing "after=<epoch>" right after the cancelled statement), asserts
# PostgreSQL's own cancel error and that the statement ended within 200 ms,
# and leaves OUT's text in $aout for further checks. WHAT names the case.
#
# terminate_within_200ms PID JOB OUT WHAT sends
# pg_terminate_backend to the backend PID (whose psql runs as background job
# JOB, writing to OUT), asserts the process is gone within 200 ms with
# PostgreSQL's own message, and prints OUT on failure. WHAT names the case.
terminate_within_200ms() {
  local pid=$1 job=$2 out=$3 what=$4 t0 gone= ms
  # Timed from the server's clock when the signal is sent (psql's own start
  # and exit are not the backend's doing), to when the process is gone.
  t0=$(psql -X -At -c "SELECT extract(epoch FROM clock_timestamp()) FROM pg_terminate_backend(${pid:-0}) t WHERE t")
  for _ in $(seq 1 400); do
    if ! kill -0 "${pid:-0}" 2>/dev/null; then gone=$(date +%s.%N); break; fi
    sleep 0.005
  done
  wait "$job"
  ms=$(python3 -c "print(int((float('${gone:-0}') - float('${t0:-0}')) * 1000))" 2>/dev/null || echo 99999)
  if [ -n "$pid" ] && [ -n "$t0" ] && [ -n "$gone" ] && [ "$ms" -lt 200 ]; then ok "pg_terminate_backend ends $what within 200 ms ($ms ms)"
  else not_ok "pg_terminate_backend ends $what within 200 ms (pid=$pid t0=$t0 gone=$gone)"; sed 's/^/# /' "$out"; fi
  like "pg_terminate_backend: PostgreSQL's own message" "$(cat "$out")" "terminating connection due to administrator command"
}

cancel_within_200ms() {
  local pid=$1 job=$2 out=$3 what=$4 t0 t1 ms
  # t0 is read before the signal is sent: read after it (in the same
  # statement), a fast cancel could end the statement first (t1 < t0)
  t0=$(psql -X -At -c "SELECT extract(epoch FROM clock_timestamp())" \
    -c "SELECT 'sent' FROM pg_cancel_backend(${pid:-0}) c WHERE c" | sed -n '1{h;d};/^sent$/{x;p}')
  wait "$job"
  aout=$(cat "$out")
  like "pg_cancel_backend: PostgreSQL's own error" "$aout" "ERROR:  canceling statement due to user request"
  t1=$(echo "$aout" | sed -n 's/^after=//p')
  ms=$(python3 -c "print(int((float('${t1:-0}') - float('${t0:-0}')) * 1000))" 2>/dev/null || echo 99999)
  if [ -n "$t0" ] && [ -n "$t1" ] && [ "$ms" -ge 0 ] && [ "$ms" -lt 200 ]; then ok "pg_cancel_backend stops $what within 200 ms ($ms ms)"
  else not_ok "pg_cancel_backend stops $what within 200 ms (t0=$t0 t1=$t1)"; sed 's/^/# /' "$out"; fi
}
