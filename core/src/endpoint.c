/*
 * endpoint.c — the default Lambda endpoint for a region, by partition, as
 * botocore's Lambda endpoint rule set builds it from partitions.json:
 * https://lambda[-fips].<region>.<dnsSuffix | dualStackDnsSuffix> for the
 * partitions aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e,
 * aws-iso-f (every one supports FIPS and dual-stack; the table is also
 * what an ARN's partition is checked against). Only for a valid region name
 * (check_region.c): anything else gets no endpoint at all. STS and the SSO
 * portal (creds_sts.c, creds_sso.c) build theirs here too, by their own
 * rule sets: sts[-fips] and portal.sso[-fips], the plain host for FIPS
 * alone in aws-us-gov.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Region-name prefix -> partition, its DNS suffix and its dual-stack DNS
 * suffix (botocore's partitions.json: regionRegex, outputs); the first
 * match wins, "aws" otherwise (botocore's default partition). */
static const struct {
    const char *prefix, *partition, *suffix, *dualstack_suffix;
} partitions[] = {
    {"cn-", "aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn"},
    {"us-gov-", "aws-us-gov", "amazonaws.com", "api.aws"},
    {"us-isob-", "aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud"},
    {"us-isof-", "aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov"},
    {"us-iso-", "aws-iso", "c2s.ic.gov", "api.aws.ic.gov"},
    {"eu-isoe-", "aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"},
};

static int partition_index(const char *region) {
    for (size_t i = 0; i < sizeof partitions / sizeof partitions[0]; i++)
        if (!strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix))) return (int)i;
    return -1;
}

const char *sqlambda_partition_of(const char *region) {
    int i = region ? partition_index(region) : -1;
    return i < 0 ? "aws" : partitions[i].partition;
}

char *sqlambda_service_endpoint(const char *service, const char *region, bool fips,
                                bool dualstack, bool gov_fips_plain) {
    char *out = NULL;
    /* the region becomes the host: never paste anything but a region name */
    if (!region || !sqlambda_region_ok(region, strlen(region))) return NULL;
    int i = partition_index(region);
    const char *suffix = i < 0 ? (dualstack ? "api.aws" : "amazonaws.com")
                               : (dualstack ? partitions[i].dualstack_suffix : partitions[i].suffix);
    /* STS's and SSO's rule sets: FIPS alone in GovCloud is the plain host */
    if (fips && !dualstack && gov_fips_plain && i >= 0 &&
        !strcmp(partitions[i].partition, "aws-us-gov"))
        fips = false;
    if (asprintf(&out, "https://%s%s.%s.%s", service, fips ? "-fips" : "", region, suffix) < 0)
        return NULL;
    return out;
}

char *sqlambda_default_endpoint(const char *region, bool fips, bool dualstack) {
    return sqlambda_service_endpoint("lambda", region, fips, dualstack, false);
}
