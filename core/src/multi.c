/*
 * multi.c — the event loop behind every call: curl multi driven by
 * curl_multi_socket_action (sockets in one epoll instance per client,
 * multi_sockets.c; curl's timer callback), the host's wait hook (given the
 * one epoll fd; never asked to wait more than 1000 ms; epoll_wait itself
 * when there is no hook), the concurrency limit, retries on a min-heap of
 * due times (other transfers keep going during backoff), retry_mode
 * adaptive's rate limit (a call short of a token waits on the same heap),
 * cancellation, and
 * delivery of each result as soon as it completes. Work per event is
 * independent of the number of calls in flight.
 */
#include "client_internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lists ---- */
static void list_push(call_list *l, sqlambda_call *c) {
    c->next = NULL;
    c->prev = l->tail;
    if (l->tail) l->tail->next = c;
    else l->head = c;
    l->tail = c;
    l->n++;
}
static void list_remove(call_list *l, sqlambda_call *c) {
    if (c->prev) c->prev->next = c->next;
    else l->head = c->next;
    if (c->next) c->next->prev = c->prev;
    else l->tail = c->prev;
    c->next = c->prev = NULL;
    l->n--;
}
/* Calls in backoff are in the heap, not in a list. */
static call_list *list_of(sqlambda_call *c) {
    struct sqlambda_multi *m = c->m;
    switch (c->state) {
    case CALL_QUEUED: return &m->queued;
    case CALL_RUNNING: return &m->running;
    case CALL_BACKOFF: return NULL;
    default: return &m->done;
    }
}
static void move_to(sqlambda_call *c, call_state st) {
    call_list *from = list_of(c);
    if (from) list_remove(from, c);
    c->state = st;
    call_list *to = list_of(c);
    if (to) list_push(to, c);
}

/* ---- curl's timer callback (installed by client.c) ---- */
int sqlambda_multi_timer_cb(CURLM *m, long timeout_ms, void *userp) {
    sqlambda_client *c = userp;
    c->timer_at = timeout_ms < 0 ? -1 : sqlambda_now_ms() + (double)timeout_ms;
    return 0;
}

/* ---- calls ---- */
static void finish(sqlambda_call *call) {
    sqlambda_client *c = call->m->c;
    if (call->easy) {
        curl_multi_remove_handle(c->multi, call->easy);
        sqlambda_client_easy_put(c, call->easy);
        call->easy = NULL;
    }
    sqlambda_reply_free(&call->reply);
    call->res.elapsed_ms = sqlambda_now_ms() - call->start_ms;
    move_to(call, CALL_DONE);
}

/* retry_mode adaptive: takes a token from the client's rate limiter, or
 * puts the call on the due-time heap for when one will be there, without
 * blocking the other calls (start_due asks again then: the rate may have
 * changed meanwhile). 1: the call waits (or failed). */
static int wait_for_token(sqlambda_call *call) {
    sqlambda_client *c = call->m->c;
    double now = sqlambda_now_ms();
    double wait_s = sqlambda_rl_acquire(&c->limiter, now / 1000.0);
    if (wait_s <= 0) return 0;
    call_list *from = list_of(call);
    if (from) list_remove(from, call);
    call->state = CALL_BACKOFF; /* in no list: finish() puts it in done */
    double wait_ms = wait_s * 1000.0;
    /* > now even after rounding (start_due pops what is due, then stops) */
    call->retry_at = now + (wait_ms > 0.001 ? wait_ms : 0.001);
    if (sqlambda_heap_push(&call->m->backoff, call) != 0) {
        call->res.status = SQLAMBDA_E_NOMEM;
        sqlambda_result_message(&call->res, "out of memory");
        finish(call);
    }
    return 1;
}

static void start_attempt(sqlambda_call *call) {
    sqlambda_client *c = call->m->c;
    if (c->cfg.retry_adaptive && wait_for_token(call)) return;
    call->easy = sqlambda_client_easy_get(c);
    sqlambda_status st = call->easy ? sqlambda_call_setup_attempt(c, call) : SQLAMBDA_E_NOMEM;
    if (st != SQLAMBDA_OK) {
        if (st == SQLAMBDA_E_NOMEM) {
            call->res.status = st;
            sqlambda_result_message(&call->res, "out of memory");
        }
        finish(call);
        return;
    }
    call->res.attempts++;
    call->attempt_start = sqlambda_now_ms();
    if (curl_multi_add_handle(c->multi, call->easy) != CURLM_OK) {
        call->res.status = SQLAMBDA_E_TRANSPORT;
        sqlambda_result_message(&call->res, "could not start the transfer");
        finish(call);
        return;
    }
    move_to(call, CALL_RUNNING);
}

static int cert_or_setup_error(CURLcode cc) {
    return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
           cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT ||
           cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_OUT_OF_MEMORY;
}

static void attempt_done(sqlambda_call *call, CURLcode cc) {
    sqlambda_client *c = call->m->c;
    sqlambda_result *res = &call->res;
    long code = 0, reqsize = 0;
    curl_off_t up = 0;
    curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(call->easy, CURLINFO_REQUEST_SIZE, &reqsize);
    curl_easy_getinfo(call->easy, CURLINFO_SIZE_UPLOAD_T, &up);
    int sent = !(cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
                 cc == CURLE_COULDNT_RESOLVE_PROXY) &&
               (reqsize > 0 || up > 0);
    call->reply.status = code;
    curl_multi_remove_handle(c->multi, call->easy);
    sqlambda_response_classify(call, cc);
    double now = sqlambda_now_ms();
    if (res->status == SQLAMBDA_E_THROTTLED) res->throttles++;
    sqlambda_client_log(c, SQLAMBDA_LOG_DEBUG,
                        "lambda function \"%s\" at %s: attempt %d: %s, HTTP %ld, %.1f ms",
                        res->function_name ? res->function_name : "?",
                        res->endpoint_host ? res->endpoint_host : "?", res->attempts,
                        sqlambda_status_name(res->status), code, now - call->attempt_start);
    sqlambda_retry_kind kind =
        c->cfg.retry_legacy ? sqlambda_retry_classify_legacy(res->status, code, res->error_type, sent)
                            : sqlambda_retry_classify(res->status, code, res->error_type, sent);
    if (c->cfg.retry_adaptive) {
        /* every outcome feeds the rate limiter, as botocore's needs-retry */
        int throttled = kind == SQLAMBDA_RETRY_THROTTLE;
        double rate = sqlambda_rl_on_response(&c->limiter, now / 1000.0, throttled);
        if (throttled)
            sqlambda_client_log(c, SQLAMBDA_LOG_DEBUG,
                                "retry_mode adaptive: throttled; sending at most %.2f calls/s "
                                "(measured %.2f/s)",
                                rate, c->limiter.measured_rate);
    }
    if (cert_or_setup_error(cc)) kind = SQLAMBDA_RETRY_NO;
    /* a stream that delivered chunks cannot be taken back: never again */
    if (call->stream && (call->stream->chunks || call->stream->stopped)) kind = SQLAMBDA_RETRY_NO;
    int unsafe = kind == SQLAMBDA_RETRY_UNSAFE;
    if (unsafe && c->opts.retry_unsafe)
        kind = res->status == SQLAMBDA_E_TIMEOUT ? SQLAMBDA_RETRY_TIMEOUT : SQLAMBDA_RETRY_TRANSIENT;
    const char *why_not = NULL;
    if (kind == SQLAMBDA_RETRY_THROTTLE || kind == SQLAMBDA_RETRY_TRANSIENT ||
        kind == SQLAMBDA_RETRY_TIMEOUT) {
        if (res->attempts >= c->max_attempts) {
            why_not = NULL; /* plain: attempt count says it */
        } else {
            /* legacy mode has no retry quota: any cost but 0 goes on */
            int cost = c->cfg.retry_legacy
                           ? -1
                           : sqlambda_retry_quota_acquire(&c->quota, kind == SQLAMBDA_RETRY_TIMEOUT);
            if (cost == 0) {
                why_not = "retry quota exhausted; not retried";
            } else {
                call->retry_cost_taken = cost > 0 ? cost : 0;
                double delay = sqlambda_retry_backoff_ms(res->attempts, sqlambda_client_random(c));
                if (call->reply.retry_after_ms >= 0 && (code == 429 || code == 503))
                    delay = call->reply.retry_after_ms;
                sqlambda_client_easy_put(c, call->easy);
                call->easy = NULL;
                sqlambda_reply_free(&call->reply);
                call->retry_at = now + delay;
                list_remove(&call->m->running, call);
                call->state = CALL_BACKOFF;
                if (sqlambda_heap_push(&call->m->backoff, call) != 0) {
                    call->state = CALL_RUNNING; /* finish() moves it from there */
                    list_push(&call->m->running, call);
                    res->status = SQLAMBDA_E_NOMEM;
                    sqlambda_result_message(res, "out of memory");
                    finish(call);
                    return;
                }
                sqlambda_client_log(c, SQLAMBDA_LOG_DEBUG,
                                    "lambda function \"%s\": retrying in %.0f ms",
                                    res->function_name ? res->function_name : "?", delay);
                return;
            }
        }
    } else if (unsafe) {
        /* no adapter exposes retry_unsafe: the message names no option */
        why_not = "response lost after the request was sent; not retried, since the function may "
                  "already have run";
    }
    if (res->status == SQLAMBDA_OK && !c->cfg.retry_legacy)
        sqlambda_retry_quota_success(&c->quota, call->retry_cost_taken);
    if (why_not) {
        char m[400];
        sqlambda_fmt(m, sizeof m, "%s; %s", res->error_message ? res->error_message : "", why_not);
        free(res->error_message);
        res->error_message = strdup(m);
        sqlambda_result_message(res, NULL); /* classify wrote it without why_not */
    }
    finish(call);
}

static void read_messages(sqlambda_client *c) {
    CURLMsg *msg;
    int q;
    while ((msg = curl_multi_info_read(c->multi, &q))) {
        if (msg->msg != CURLMSG_DONE) continue;
        sqlambda_call *call = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
        CURLcode cc = msg->data.result;
        if (call && call->easy == msg->easy_handle) attempt_done(call, cc);
    }
}

static void deliver(sqlambda_multi *m, sqlambda_done_fn done, void *arg) {
    sqlambda_call *call;
    while ((call = m->done.head)) {
        list_remove(&m->done, call);
        if (done) {
            done(arg, call->user, &call->res);
            sqlambda_call_free(call, 0);
        } else {
            sqlambda_call_free(call, 1);
        }
    }
}

static void cancel_one(sqlambda_call *call) {
    call->res.status = SQLAMBDA_E_CANCELLED;
    free(call->res.error_type);
    free(call->res.error_message);
    call->res.error_type = strdup("Cancelled");
    call->res.error_message = strdup(call->res.attempts ? "cancelled while waiting for the response"
                                                        : "cancelled before it was sent");
    call->res.http_status = 0;
    sqlambda_result_message(&call->res, NULL);
    finish(call);
}

static void cancel_all(sqlambda_multi *m) {
    sqlambda_call *call;
    while ((call = m->running.head)) cancel_one(call);
    while ((call = sqlambda_heap_pop(&m->backoff))) cancel_one(call);
    while ((call = m->queued.head)) cancel_one(call);
}

/* sqlambda_multi_cancel_on's flag is up. */
static int cancel_raised(const sqlambda_multi *m) { return m->cancel_flag && *m->cancel_flag; }

/* Starts the retries that are due (earliest first), then queued calls up
 * to the concurrency limit. */
static void start_due(sqlambda_multi *m) {
    double now = sqlambda_now_ms();
    sqlambda_call *call;
    /* the cancel flag between starts too: a signal landing in this loop
     * stops it (the run then cancels everything) */
    while (!cancel_raised(m) && (call = sqlambda_heap_top(&m->backoff)) && call->retry_at <= now) {
        sqlambda_heap_pop(&m->backoff);
        start_attempt(call); /* to running (or done): from no list */
    }
    while (!cancel_raised(m) && m->queued.head && (int)(m->running.n + m->backoff.n) < m->max_in_flight)
        start_attempt(m->queued.head);
}

/* ---- public ---- */
sqlambda_multi *sqlambda_multi_new(sqlambda_client *c, int max_in_flight) {
    if (!c) return NULL;
    sqlambda_multi *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->c = c;
    m->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
    sqlambda_client_size_for(c, m->max_in_flight);
    c->live_multis++;
    return m;
}

size_t sqlambda_multi_pending(const sqlambda_multi *m) {
    return m ? m->queued.n + m->running.n + m->backoff.n + m->done.n : 0;
}

/* Every pending call fails with E_TRANSPORT (no epoll instance). */
static void fail_all(sqlambda_multi *m, const char *why) {
    sqlambda_call *call;
    while ((call = m->queued.head) || (call = m->running.head) ||
           (call = sqlambda_heap_pop(&m->backoff))) {
        call->res.status = SQLAMBDA_E_TRANSPORT;
        sqlambda_result_message(&call->res, why);
        finish(call);
    }
}

sqlambda_status sqlambda_multi_run(sqlambda_multi *m, long timeout_ms, sqlambda_done_fn done,
                                   void *arg) {
    if (!m) return SQLAMBDA_E_INVALID;
    sqlambda_client *c = m->c;
    double deadline = timeout_ms >= 0 ? sqlambda_now_ms() + (double)timeout_ms : -1;
    int still;
    if (sqlambda_sockets_open(c) != 0) {
        char why[160];
        sqlambda_fmt(why, sizeof why, "could not create the event loop's epoll instance: %s",
                     strerror(errno));
        fail_all(m, why);
        deliver(m, done, arg);
        return SQLAMBDA_OK;
    }
    for (;;) {
        deliver(m, done, arg);
        if (cancel_raised(m) && sqlambda_multi_pending(m)) {
            sqlambda_multi_cancel(m, done, arg); /* before anything more is started */
            return SQLAMBDA_E_CANCELLED;
        }
        start_due(m);
        if (m->done.n) continue;
        if (!sqlambda_multi_pending(m)) break;
        double now = sqlambda_now_ms();
        if (c->timer_at >= 0 && c->timer_at <= now) {
            c->timer_at = -1;
            curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &still);
            read_messages(c);
            continue;
        }
        if (deadline >= 0 && now >= deadline) break;
        double wait_ms = SQLAMBDA_MAX_WAIT_MS;
        if (c->timer_at >= 0 && c->timer_at - now < wait_ms) wait_ms = c->timer_at - now;
        sqlambda_call *next_retry = sqlambda_heap_top(&m->backoff);
        if (next_retry && next_retry->retry_at - now < wait_ms) wait_ms = next_retry->retry_at - now;
        if (deadline >= 0 && deadline - now < wait_ms) wait_ms = deadline - now;
        if (wait_ms < 0) wait_ms = 0;
        long wait_whole = (long)(wait_ms + 0.999);
        if (!c->opts.wait) {
            sqlambda_sockets_dispatch(c, wait_whole);
            read_messages(c);
            continue;
        }
        /* the host waits on its own latch and this one fd, readable when
         * any of curl's sockets is ready */
        sqlambda_wait_fd fd = {c->epfd, SQLAMBDA_WAIT_READ, 0};
        int rc = c->opts.wait(c->opts.wait_arg, &fd, 1, wait_whole);
        if (rc == SQLAMBDA_WAIT_CANCEL) {
            sqlambda_multi_cancel(m, done, arg);
            return SQLAMBDA_E_CANCELLED;
        }
        sqlambda_sockets_dispatch(c, 0);
        read_messages(c);
        if (rc == SQLAMBDA_WAIT_YIELD) {
            deliver(m, done, arg);
            break;
        }
    }
    return SQLAMBDA_OK;
}

void sqlambda_multi_cancel(sqlambda_multi *m, sqlambda_done_fn done, void *arg) {
    if (!m) return;
    cancel_all(m);
    deliver(m, done, arg);
}

void sqlambda_multi_cancel_on(sqlambda_multi *m, const volatile sig_atomic_t *flag) {
    if (m) m->cancel_flag = flag;
}

static void drop(sqlambda_multi *m, sqlambda_call *call) {
    if (call->easy) {
        curl_multi_remove_handle(m->c->multi, call->easy);
        sqlambda_client_easy_put(m->c, call->easy);
        call->easy = NULL;
    }
    sqlambda_call_free(call, 1);
}

void sqlambda_multi_free(sqlambda_multi *m) {
    if (!m) return;
    call_list *lists[] = {&m->running, &m->queued, &m->done};
    for (size_t i = 0; i < 3; i++) {
        sqlambda_call *call;
        while ((call = lists[i]->head)) {
            list_remove(lists[i], call);
            drop(m, call);
        }
    }
    sqlambda_call *call;
    while ((call = sqlambda_heap_pop(&m->backoff))) drop(m, call);
    sqlambda_heap_free(&m->backoff);
    sqlambda_client_multi_done(m->c);
    free(m);
}

void sqlambda_multi_enqueue(sqlambda_multi *m, sqlambda_call *call, int ok) {
    call->m = m;
    call->state = ok ? CALL_QUEUED : CALL_DONE;
    list_push(ok ? &m->queued : &m->done, call);
}
