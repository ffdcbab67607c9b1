# lib_fault.sh — shared by core's shell tests that talk to fault_server.py
# (source it after scripts/lib/tap.sh, with $tmp set):
#   clean_aws_env            unsets every AWS_* variable and points the
#                            shared config files at nothing, so no ambient
#                            configuration leaks into a test;
#   start_fault_server SECRET  starts fault_server.py on a free port, every
#                            request's signature recomputed by botocore with
#                            SECRET; sets spid, PORT and URL.
clean_aws_env() {
  local v
  for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
  export AWS_CONFIG_FILE=$tmp/none AWS_SHARED_CREDENTIALS_FILE=$tmp/none AWS_EC2_METADATA_DISABLED=true
}
start_fault_server() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/fault_server.py" --port-file "$tmp/port" --verify-secret "$1" &
  spid=$!
  for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  PORT=$(cat "$tmp/port")
  URL=http://127.0.0.1:$PORT
}
