/*
 * wait_latch.c — the wait hook core calls whenever a Lambda request must
 * wait for its sockets. It waits on a WaitEventSet holding the backend's
 * latch, postmaster death and those sockets, so a query cancel,
 * statement_timeout or pg_terminate_backend (all of which set the latch)
 * end the wait at once: the hook then answers SQLAMBDA_WAIT_CANCEL, core
 * aborts the transfer and frees its state, and awsl_invoke() lets
 * CHECK_FOR_INTERRUPTS() raise PostgreSQL's own error.
 *
 * The hook must never longjmp through core (that would leak its transfer):
 * a PostgreSQL error raised inside it is copied, flushed, and re-thrown by
 * awsl_wait_rethrow() once core has returned.
 */
#include "aws_lambda.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"

static ErrorData *kept_error;

void awsl_wait_reset(void) { kept_error = NULL; }

void awsl_wait_rethrow(void) {
    if (kept_error) {
        ErrorData *e = kept_error;
        kept_error = NULL;
        ReThrowError(e);
    }
}

/* A pending interrupt that should stop the call. */
static bool cancel_pending(void) {
    return InterruptPending && (QueryCancelPending || ProcDiePending);
}

static int wait_once(sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    WaitEventSet *set = CreateWaitEventSet(CurrentMemoryContext, nfds + 2);
    WaitEvent occurred[16];
    int *pos_fd = palloc(sizeof(int) * (nfds + 2));
    int n;

    AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
    AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
    for (int i = 0; i < nfds; i++) {
        uint32 ev = 0;
        fds[i].revents = 0;
        if (fds[i].events & SQLAMBDA_WAIT_READ) ev |= WL_SOCKET_READABLE;
        if (fds[i].events & SQLAMBDA_WAIT_WRITE) ev |= WL_SOCKET_WRITEABLE;
        if (ev == 0 || fds[i].fd < 0) continue;
        int pos = AddWaitEventToSet(set, ev, fds[i].fd, NULL, NULL);
        pos_fd[pos] = i;
    }
    n = WaitEventSetWait(set, timeout_ms < 0 ? -1 : timeout_ms, occurred, lengthof(occurred),
                         PG_WAIT_EXTENSION);
    for (int k = 0; k < n; k++) {
        if (occurred[k].events & WL_LATCH_SET) {
            ResetLatch(MyLatch);
            continue;
        }
        if (occurred[k].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE)) {
            sqlambda_wait_fd *f = &fds[pos_fd[occurred[k].pos]];
            if (occurred[k].events & WL_SOCKET_READABLE) f->revents |= SQLAMBDA_WAIT_READ;
            if (occurred[k].events & WL_SOCKET_WRITEABLE) f->revents |= SQLAMBDA_WAIT_WRITE;
        }
    }
    FreeWaitEventSet(set);
    pfree(pos_fd);
    return cancel_pending() ? SQLAMBDA_WAIT_CANCEL : SQLAMBDA_WAIT_CONTINUE;
}

int awsl_wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    MemoryContext caller = CurrentMemoryContext;
    volatile int rc = SQLAMBDA_WAIT_CANCEL;

    for (int i = 0; i < nfds; i++) fds[i].revents = 0;
    if (kept_error || cancel_pending()) return SQLAMBDA_WAIT_CANCEL;
    PG_TRY();
    {
        rc = wait_once(fds, nfds, timeout_ms);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        kept_error = CopyErrorData();
        FlushErrorState();
        rc = SQLAMBDA_WAIT_CANCEL;
    }
    PG_END_TRY();
    return rc;
}

void awsl_log_hook(void *arg, int level, const char *message) {
    MemoryContext caller = CurrentMemoryContext;
    int elevel = level >= SQLAMBDA_LOG_WARNING ? LOG : DEBUG1;

    if (!message_level_is_interesting(elevel) || kept_error) return;
    PG_TRY();
    {
        ereport(elevel, (errmsg_internal("aws_lambda: %s", message), errhidestmt(true)));
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        kept_error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
}
