/*
 * wait_latch.c — the wait hook core calls whenever a Lambda request must
 * wait for its sockets. It waits on a WaitEventSet holding the backend's
 * latch, postmaster death and those sockets, so a query cancel,
 * statement_timeout or pg_terminate_backend (all of which set the latch)
 * end the wait at once: the hook then answers SQLAMBDA_WAIT_CANCEL, core
 * aborts the transfer and frees its state, and awsl_invoke() lets
 * CHECK_FOR_INTERRUPTS() raise PostgreSQL's own error. The waiting itself
 * is wait_sockets.c's, shared with the delivery worker's hook.
 *
 * The hook must never longjmp through core (that would leak its transfer):
 * a PostgreSQL error raised inside it is copied, flushed, and re-thrown by
 * awsl_wait_rethrow() once core has returned.
 */
#include "aws_lambda.h"

#include "miscadmin.h"
#include "utils/memutils.h"

static ErrorData *kept_error;

/* A pending interrupt that should stop the call. */
static bool cancel_pending(void) {
    return InterruptPending && (QueryCancelPending || ProcDiePending);
}

void awsl_wait_reset(void) { kept_error = NULL; }

void awsl_wait_rethrow(void) {
    if (kept_error) {
        ErrorData *e = kept_error;
        kept_error = NULL;
        ReThrowError(e);
    }
}

int awsl_wait_hook(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    MemoryContext caller = CurrentMemoryContext;
    volatile int rc = SQLAMBDA_WAIT_CANCEL;

    for (int i = 0; i < nfds; i++) fds[i].revents = 0;
    if (kept_error || cancel_pending()) return SQLAMBDA_WAIT_CANCEL;
    PG_TRY();
    {
        awsl_wait_sockets(fds, nfds, timeout_ms);
        rc = cancel_pending() ? SQLAMBDA_WAIT_CANCEL : SQLAMBDA_WAIT_CONTINUE;
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
