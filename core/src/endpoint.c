/*
 * endpoint.c — the default Lambda endpoint for a region, by partition:
 * aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f (the
 * partition table is also what an ARN's partition is checked against). Only for a valid region
 * name (check_region.c): anything else gets no endpoint at all.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Region-name prefix -> partition and its DNS suffix (botocore's
 * endpoints.json partitions); the first match wins, "aws" otherwise. */
static const struct {
    const char *prefix, *partition, *suffix;
} partitions[] = {
    {"cn-", "aws-cn", "amazonaws.com.cn"},
    {"us-gov-", "aws-us-gov", "amazonaws.com"},
    {"us-isob-", "aws-iso-b", "sc2s.sgov.gov"},
    {"us-isof-", "aws-iso-f", "csp.hci.ic.gov"},
    {"us-iso-", "aws-iso", "c2s.ic.gov"},
    {"eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"},
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

static const char *dns_suffix(const char *region) {
    int i = partition_index(region);
    return i < 0 ? "amazonaws.com" : partitions[i].suffix;
}

char *sqlambda_default_endpoint(const char *region) {
    char *out = NULL;
    /* the region becomes the host: never paste anything but a region name */
    if (!region || !sqlambda_region_ok(region, strlen(region))) return NULL;
    if (asprintf(&out, "https://lambda.%s.%s", region, dns_suffix(region)) < 0) return NULL;
    return out;
}
