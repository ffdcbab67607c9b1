# lib_reload.sh — reload_conf STATEMENT...: runs the statements (ALTER
# SYSTEM ...), asks for a reload and returns once the postmaster has re-read
# the configuration (a new session's pg_conf_load_time() moved on), so it
# has already signalled the delivery worker, which reloads before its next
# claim. A fixed sleep raced the postmaster on a loaded machine. Needs
# psql on PATH with PGHOST/PGPORT set (source after scripts/lib/tap.sh).
reload_conf() {
  local before s args=()
  before=$(psql -X -At -c "SELECT pg_conf_load_time()")
  for s in "$@"; do args+=(-c "$s"); done
  psql -X -At -v ON_ERROR_STOP=1 "${args[@]}" -c "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 200); do
    [ "$(psql -X -At -c "SELECT pg_conf_load_time() > '$before'")" = t ] && return 0
    sleep 0.05
  done
  echo "# reload_conf: the configuration was not reloaded within 10 s" >&2
  return 1
}
