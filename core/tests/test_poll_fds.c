/*
 * test_poll_fds.c — sqlambda_poll_fds, the one poll translation behind
 * core's default wait, the credential sources' wait and MariaDB's kill
 * check: readiness, a timeout, and a hangup waking the reader.
 */
#include "sqlambda.h"
#include "tap.h"
#include <unistd.h>

int main(void) {
    int p[2];
    if (pipe(p) != 0) return 1;
    sqlambda_wait_fd f[2] = {{p[0], SQLAMBDA_WAIT_READ, 9}, {p[1], SQLAMBDA_WAIT_WRITE, 9}};
    int rc = sqlambda_poll_fds(f, 2, 0);
    ok(rc == 1 && f[0].revents == 0 && f[1].revents == SQLAMBDA_WAIT_WRITE,
       "empty pipe: only the writer is ready, stale revents cleared (rc %d, %d %d)", rc,
       f[0].revents, f[1].revents);
    ok(write(p[1], "x", 1) == 1, "wrote a byte");
    rc = sqlambda_poll_fds(f, 1, 1000);
    ok(rc == 1 && f[0].revents == SQLAMBDA_WAIT_READ, "a byte wakes the reader");
    char c;
    ok(read(p[0], &c, 1) == 1, "read it back");
    rc = sqlambda_poll_fds(f, 1, 20);
    ok(rc == 0 && f[0].revents == 0, "nothing to read: times out with no events");
    close(p[1]);
    rc = sqlambda_poll_fds(f, 1, 1000);
    ok(rc == 1 && f[0].revents == SQLAMBDA_WAIT_READ, "hangup wakes the reader (it then reads EOF)");
    close(p[0]);
    return tap_done();
}
