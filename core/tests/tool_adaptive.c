/*
 * tool_adaptive.c — driver for t_adaptive_botocore.py: feeds core's
 * adaptive rate limiter (src/adaptive.h) the events read from stdin, one
 * per line, and prints its state after each, one line per event:
 *
 *   init T           a new limiter at time T (seconds)      -> "init"
 *   send T           an attempt wants to go at time T      -> "send WAIT CAP"
 *                    (WAIT 0: it may go; else seconds until a token)
 *   sendblock T      the same, asking again after each wait -> "sendblock SENT CAP"
 *                    (as core's event loop does; SENT: when it went)
 *   resp T THROTTLED an attempt's outcome at time T (0/1)  -> "resp RATE MEASURED
 *                                                              ENABLED CAP MAXCAP"
 * Numbers are printed with 17 significant digits.
 */
#include "adaptive.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    sqlambda_rate_limiter rl;
    char line[256], verb[16];
    double t;
    int throttled = 0, have = 0;
    while (fgets(line, sizeof line, stdin)) {
        int n = sscanf(line, "%15s %lf %d", verb, &t, &throttled);
        if (n < 2) continue;
        if (!strcmp(verb, "init")) {
            sqlambda_rl_init(&rl, t);
            have = 1;
            puts("init");
        } else if (!have) {
            fprintf(stderr, "tool_adaptive: %s before init\n", verb);
            return 2;
        } else if (!strcmp(verb, "send")) {
            double w = sqlambda_rl_acquire(&rl, t);
            printf("send %.17g %.17g\n", w, rl.capacity);
        } else if (!strcmp(verb, "sendblock")) {
            double w;
            while ((w = sqlambda_rl_acquire(&rl, t)) > 0) t += w;
            printf("sendblock %.17g %.17g\n", t, rl.capacity);
        } else if (!strcmp(verb, "resp") && n == 3) {
            double r = sqlambda_rl_on_response(&rl, t, throttled);
            printf("resp %.17g %.17g %d %.17g %.17g\n", r, rl.measured_rate, rl.enabled,
                   rl.capacity, rl.max_capacity);
        } else {
            fprintf(stderr, "tool_adaptive: bad line: %s", line);
            return 2;
        }
    }
    return 0;
}
