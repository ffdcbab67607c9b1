#!/usr/bin/env bash
# t_secrets_file.sh — the --credentials file holds secrets (issue 11): serve
# refuses one that group or others may read or write, naming the file and
# the fix (chmod 600), and refuses oversize lines and values instead of
# cutting them (a cut secret would silently never match). A private,
# well-formed file still starts the server.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lib/tap.sh"
. "$here/lib_serve.sh"

refuses() {
  local name=$1 re=$2; shift 2
  local err rc
  err=$(timeout 10 "$SERVE_BIN" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -eq 2 ] && printf '%s' "$err" | grep -Eq -- "$re"; then ok "$name"; else
    not_ok "$name"; printf '#   rc=%s stderr: %s\n#   want /%s/\n' "$rc" "$err" "$re"; fi
}
c=$SERVE_DIR/creds
printf 'AKIDFILE fileSecretValue123\n' >"$c"
for mode in 644 640 604 620 660; do
  chmod "$mode" "$c"
  refuses "--credentials mode $mode refused, naming the file and chmod 600" \
    "--credentials $c: .*mode 0$mode.*chmod 600 $c" --functions "$SERVE_DIR" --credentials "$c"
done
chmod 644 "$c"
err=$(timeout 10 "$SERVE_BIN" --functions "$SERVE_DIR" --credentials "$c" 2>&1 >/dev/null)
case $err in *fileSecretValue123*) not_ok "the refusal does not print the secret" ;; *) ok "the refusal does not print the secret" ;; esac

printf 'AKIDLONG %s\n' "$(head -c 2000 /dev/zero | tr '\0' x)" >"$c"; chmod 600 "$c"
refuses "a line over 1023 bytes is an error, not cut" "line 1 is longer than 1023 bytes" --functions "$SERVE_DIR" --credentials "$c"
printf 'AKIDLONG %s\n' "$(head -c 300 /dev/zero | tr '\0' x)" >"$c"
refuses "a secret over 256 bytes is an error" "line 1: access key id longer than 128 or secret longer than 256" --functions "$SERVE_DIR" --credentials "$c"
printf '[p]\naws_access_key_id = AKID\naws_secret_access_key = %s\n' "$(head -c 300 /dev/zero | tr '\0' y)" >"$c"
refuses "an ini-style secret over 256 bytes is an error" "line 3: aws_secret_access_key is longer than 256" --functions "$SERVE_DIR" --credentials "$c"
# A NUL in a line used to hide its length from fgets: the rest of an
# over-long line was read as a further key (fuzz_serve_credentials).
{ printf 'AKIDA secretA\0'; head -c 1010 /dev/zero | tr '\0' x; printf 'AKIDB secretB\n'; } >"$c"
refuses "a line over 1023 bytes with a NUL in it is an error, not two keys" "line 1 is longer than 1023 bytes" --functions "$SERVE_DIR" --credentials "$c"
printf 'AKIDA secret\0A\n' >"$c"
refuses "a NUL byte in a line is an error" "line 1 holds a NUL byte" --functions "$SERVE_DIR" --credentials "$c"
{ printf 'AKIDA '; head -c 1018 /dev/zero | tr '\0' x; } >"$c"
refuses "a last line over 1023 bytes without a newline is an error" "line 1 is longer than 1023 bytes" --functions "$SERVE_DIR" --credentials "$c"
refuses "a directory is not a credentials file" "not a regular file" --functions "$SERVE_DIR" --credentials "$SERVE_DIR"

printf 'AKIDFILE fileSecretValue123\n' >"$c"; chmod 600 "$c"
if start_serve --functions "$SERVE_DIR" --credentials "$c"; then ok "mode 600 file: serve starts"; else not_ok "mode 600 file: serve starts"; cat "$SERVE_DIR/err"; fi
stop_serve
tap_exit
