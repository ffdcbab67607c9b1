#!/usr/bin/env bash
# cli/tests/t_help.sh — `--help` and sqlambda(1) come from one source
# (cli/sqlambda.help) and both cover everything: every option the parsers
# accept (read from cli/sqlambda.c, cli/invoke_cmd.c's long_opts and getopt
# string, cli/config_cmd.c, runtime/src/serve_main.c) is in the command's --help output and in
# its part of the rendered man page; the man page has every exit status and
# every environment variable core and serve read; `man -l` and groff render
# it without a warning; `make install` puts it under share/man/man1.
# Env: SQLAMBDA_CLI (binary), SQLAMBDA_CLI_MAKEVARS (BUILD=... for make).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
CLI=${SQLAMBDA_CLI:-$top/cli/build/sqlambda}
MAN=$(dirname "$CLI")/sqlambda.1
tmp=$(mktemp -d /tmp/sqlambda-help.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check "the man page is built next to the command" test -s "$MAN"
[ -s "$MAN" ] || { tap_exit; exit 1; }
MANWIDTH=80 man --warnings -l "$MAN" >"$tmp/man.txt" 2>"$tmp/man.err"
check "man -l renders it" test -s "$tmp/man.txt"
is "man --warnings -l: no warnings" "$(cat "$tmp/man.err")" ""
is "groff -man -ww: no warnings" "$(groff -man -ww -z "$MAN" 2>&1)" ""
section() { # NAME: the man page's section NAME (up to the next one)
  awk -v s="$1" '/^[A-Z]/ {on = ($0 == s)} on' "$tmp/man.txt"
}
subsection() { # NAME: a command's part of COMMANDS (an indented heading)
  awk -v s="   $1" '/^[A-Z]/ {on = 0} /^   [a-z]/ {on = ($0 == s)} on' "$tmp/man.txt"
}

# options as the parsers see them
main_opts=$(grep -oE 'strcmp\(cmd, "-[-a-zA-Z]+"\)' "$top/cli/sqlambda.c" | grep -oE '"-[^"]+"' | tr -d '"' | sort -u)
main_cmds=$(grep -oE 'strcmp\((cmd|argv\[2\]), "[a-z]+"\)' "$top/cli/sqlambda.c" | grep -oE '"[a-z]+"' | tr -d '"' | sort -u)
invoke_opts=$( { sed -n '/long_opts\[\] = {/,/};/p' "$top/cli/invoke_cmd.c" | grep -oE '\{"[a-z-]+"' | sed 's/{"/--/; s/"//';
                 grep -oE 'getopt_long\(argc, argv, "[^"]*"' "$top/cli/invoke_cmd.c" | sed 's/.*"\(.*\)"/\1/' |
                 tr -d ':' | fold -w1 | sed 's/^/-/'; } | sort -u)
serve_opts=$(grep -oE 'strcmp\(a, "-[-a-zA-Z]+"\)' "$top/runtime/src/serve_main.c" | grep -oE '"-[^"]+"' | tr -d '"' | sort -u)
check "found the top-level options" test "$(echo "$main_opts" | wc -w)" -ge 4
check "found invoke's options" test "$(echo "$invoke_opts" | wc -w)" -ge 14
check "found serve's options" test "$(echo "$serve_opts" | wc -w)" -ge 16
config_opts=$(grep -oE 'strcmp\(a, "-[-a-zA-Z]+"\)' "$top/cli/config_cmd.c" | grep -oE '"-[^"]+"' | tr -d '"' | sort -u)
check "found config's options" test "$(echo "$config_opts" | wc -w)" -ge 8

covers() { # NAME TEXT WORDS...: every word appears in TEXT as a whole option/word
  local name=$1 text=$2 missing= w; shift 2
  for w in "$@"; do
    printf '%s\n' "$text" | grep -qE -- "(^|[^-a-zA-Z])$w([^-a-zA-Z]|\$)" || missing="$missing $w"
  done
  is "$name" "$missing" ""
}
# shellcheck disable=SC2086
{
covers "sqlambda --help lists every top-level option" "$("$CLI" --help)" $main_opts
covers "sqlambda --help lists every command" "$("$CLI" --help)" $main_cmds
covers "man OPTIONS lists every top-level option" "$(section OPTIONS)" $main_opts
covers "man COMMANDS lists every command" "$(section COMMANDS)" $main_cmds
covers "sqlambda invoke --help lists every invoke option" "$("$CLI" invoke --help)" $invoke_opts
covers "man: invoke's part lists every invoke option" "$(subsection invoke)" $invoke_opts
covers "sqlambda serve --help lists every serve option" "$("$CLI" serve --help)" $serve_opts
covers "man: serve's part lists every serve option" "$(subsection serve)" $serve_opts
covers "sqlambda config --help lists every config option" "$("$CLI" config --help)" $config_opts
covers "man: config's part lists every config option" "$(subsection config)" $config_opts
}
is "sqlambda help serve is serve --help" "$("$CLI" help serve)" "$("$CLI" serve --help)"
is "sqlambda help invoke is invoke --help" "$("$CLI" help invoke)" "$("$CLI" invoke --help)"
is "sqlambda help config is config --help" "$("$CLI" help config)" "$("$CLI" config --help)"

# exit statuses: cli.h's, in invoke --help and the man page's EXIT STATUS
codes=$(sed -n 's/^#define CLI_EXIT_[A-Z_]* \([0-9]\).*/\1/p' "$top/cli/cli.h" | sort -u)
exit_man=$(section "EXIT STATUS")
exit_help=$("$CLI" invoke --help | sed -n '/^Exit status:/,$p')
for c in $codes; do
  like "man EXIT STATUS: $c" "$exit_man" "^       $c  "
  like "invoke --help Exit status: $c" "$exit_help" "^  $c  "
done
like "man EXIT STATUS covers serve" "$exit_man" 'sqlambda serve: 0'

# environment: every AWS_* variable core names, and what serve/core getenv
vars=$( { grep -rhoE '"AWS_[A-Z0-9_]+"' "$top/core/src" | tr -d '"';
          grep -rhoE 'getenv\("[A-Z0-9_]+"\)' "$top/core/src" "$top/runtime/src/serve_main.c" "$top/cli" |
          sed 's/getenv("\(.*\)")/\1/'; } | sort -u)
env_man=$(section ENVIRONMENT)
missing=
for v in $vars; do printf '%s\n' "$env_man" | grep -qw -- "$v" || missing="$missing $v"; done
is "man ENVIRONMENT names every variable core and serve read" "$missing" ""

# installed by make install
# shellcheck disable=SC2086
make -s -C "$top/cli" ${SQLAMBDA_CLI_MAKEVARS:-} install DESTDIR="$tmp/dest" PREFIX=/usr >"$tmp/install.log" 2>&1
rc=$?
check "make -C cli install DESTDIR=... PREFIX=/usr" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/install.log"
check "installed as share/man/man1/sqlambda.1" cmp -s "$MAN" "$tmp/dest/usr/share/man/man1/sqlambda.1"
like "man finds the installed page by name" "$(MANPATH=$tmp/dest/usr/share/man MANWIDTH=80 man sqlambda 2>&1 | head -3)" \
  'SQLAMBDA\(1\)'
tap_exit
