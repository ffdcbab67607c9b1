#!/usr/bin/env bash
# t_secret_wipe.sh — every core module that holds a secret (keys, session
# tokens, credential documents, credentials files) wipes it with
# explicit_bzero before freeing it. A plain memset before free is a dead
# store the compiler removes at -O2 (it did: sqlambda_creds_clear compiled
# to three bare free calls), so each object must call explicit_bzero, or
# sqlambda_wipe_free (creds_util.o, which must call explicit_bzero itself).
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/tap.sh"
obj=${SQLAMBDA_BUILD:-$top/core/build}/obj
for m in credentials creds_util creds_parse creds_process creds_container creds_imds \
         creds_web_identity ini; do
  wipe='explicit_bzero|__explicit_bzero_chk'
  [ "$m" = creds_util ] || wipe="$wipe|sqlambda_wipe_free"
  if nm "$obj/$m.o" 2>/dev/null | grep -Eq " U ($wipe)\$"; then
    ok "$m.o wipes secrets with explicit_bzero"
  else
    not_ok "$m.o wipes secrets with explicit_bzero (no call in $obj/$m.o)"
  fi
done
tap_exit
