# lib_terminate.sh — shared by t_cancel.sh and t_bulk_cancel.sh (source it
# after scripts/lib/tap.sh): terminate_within_200ms PID JOB OUT WHAT sends
# pg_terminate_backend to the backend PID (whose psql runs as background job
# JOB, writing to OUT), asserts the process is gone within 200 ms with
# PostgreSQL's own message, and prints OUT on failure. WHAT names the case.
terminate_within_200ms() {
  local pid=$1 job=$2 out=$3 what=$4 start gone=
  start=$(date +%s%N)
  psql -X -At -c "SELECT pg_terminate_backend(${pid:-0})" >/dev/null
  for _ in $(seq 1 200); do
    if ! kill -0 "${pid:-0}" 2>/dev/null; then gone=$(( ($(date +%s%N) - start) / 1000000 )); break; fi
    sleep 0.005
  done
  wait "$job"
  if [ -n "$pid" ] && [ -n "$gone" ] && [ "$gone" -lt 200 ]; then ok "pg_terminate_backend ends $what within 200 ms ($gone ms)"
  else not_ok "pg_terminate_backend ends $what within 200 ms (pid=$pid gone=$gone)"; sed 's/^/# /' "$out"; fi
  like "pg_terminate_backend: PostgreSQL's own message" "$(cat "$out")" "terminating connection due to administrator command"
}
