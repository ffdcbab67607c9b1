# bench/lib/aws_env.sh — shared by the PostgreSQL benchmarks (source it):
# bench_aws_env exports throwaway AWS keys and a region and removes every
# other AWS setting (profiles, endpoints, config files, instance metadata),
# so the server under test signs with known fake keys and reads nothing of
# the machine's own AWS configuration. The loopback endpoints the benchmarks
# use either ignore signatures (nginx) or are told these keys (serve).
bench_aws_env() {
  export AWS_ACCESS_KEY_ID=AKIDBENCHEXAMPLE AWS_SECRET_ACCESS_KEY=benchSecretNotReal AWS_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA
}
