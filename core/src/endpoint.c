/*
 * endpoint.c — the default Lambda endpoint for a region, by partition:
 * aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b. Only for a valid region
 * name (check_region.c): anything else gets no endpoint at all.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dns_suffix(const char *region) {
    if (strncmp(region, "cn-", 3) == 0) return "amazonaws.com.cn";
    if (strncmp(region, "us-isob-", 8) == 0) return "sc2s.sgov.gov";
    if (strncmp(region, "us-iso-", 7) == 0) return "c2s.ic.gov";
    return "amazonaws.com"; /* aws, aws-us-gov */
}

char *sqlambda_default_endpoint(const char *region) {
    char *out = NULL;
    /* the region becomes the host: never paste anything but a region name */
    if (!region || !sqlambda_region_ok(region, strlen(region))) return NULL;
    if (asprintf(&out, "https://lambda.%s.%s", region, dns_suffix(region)) < 0) return NULL;
    return out;
}
