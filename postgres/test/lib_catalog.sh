# postgres/test/lib_catalog.sh — sourced by t_upgrade.sh and
# t_dump_restore.sh: `catalog DB` prints what the aws_lambda and
# aws_commons extensions put in database DB, object for object, in a form
# two databases can be diffed by: pg_dump --schema-only --binary-upgrade
# (the only pg_dump mode that dumps an extension's member objects: every
# table, column, default, constraint, function body, view, comment, grant
# and init privilege) with OIDs, LSNs and xids masked; the config-dump
# marks (pg_extension_config_dump) by table name; the member list (\dx+);
# and pg_init_privs of extension objects. Needs PGHOST/PGPORT/PGUSER.

catalog() { # DB
  local db=$1
  echo "== pg_dump --schema-only --binary-upgrade"
  pg_dump --schema-only --binary-upgrade "$db" |
    grep -v '^\\\(un\)\?restrict ' |
    sed -E -e "s/'[0-9]+'::pg_catalog\.oid/'OID'::pg_catalog.oid/g" \
      -e "s/[0-9A-F]+\/[0-9A-F]+/LSN/g" \
      -e "s/(relfrozenxid|relminmxid) = '[0-9]+'/\1 = 'N'/g" \
      -e "s/WHERE oid = '[0-9]+'/WHERE oid = 'OID'/" \
      -e "/binary_upgrade_create_empty_extension/s/'\{[0-9,]*\}'/'{OIDS}'/"
  echo "== extensions and their config-dump tables"
  psql -X -At -d "$db" -c "
    SELECT e.extname, e.extversion, c.cfg::regclass, coalesce(e.extcondition[c.n], '')
      FROM pg_extension e
      LEFT JOIN LATERAL unnest(e.extconfig) WITH ORDINALITY AS c(cfg, n) ON true
     WHERE e.extname IN ('aws_lambda', 'aws_commons') ORDER BY 1, 3::text"
  echo "== members (\\dx+)"
  psql -X -At -d "$db" -c '\dx+ aws_commons' -c '\dx+ aws_lambda'
  echo "== pg_init_privs of extension objects"
  psql -X -At -d "$db" -c "
    SELECT pg_describe_object(classoid, objoid, objsubid), initprivs::text
      FROM pg_init_privs WHERE privtype = 'e' ORDER BY 1, 2"
}

# same_catalog NAME DB1 DB2: one TAP line; the diff (first 60 lines) if not.
same_catalog() {
  local name=$1 a b d
  a=$(catalog "$2" 2>&1); b=$(catalog "$3" 2>&1)
  d=$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b"))
  # (a dump of a few lines would be a dump that failed, not a match)
  if [ -z "$d" ] && [ "$(printf '%s\n' "$a" | grep -c 'CREATE FUNCTION')" -gt 10 ]; then ok "$name"; else
    not_ok "$name"; printf '%s\n' "$d" | head -60 | sed 's/^/#   /'
  fi
}
