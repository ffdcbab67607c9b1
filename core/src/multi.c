/*
 * multi.c — the event loop behind every call: curl multi with socket and
 * timer callbacks, the host's wait hook (poll() by default, never asked to
 * wait more than 1000 ms), the concurrency limit, retries scheduled on a
 * timer (other transfers keep going during backoff), cancellation, and
 * delivery of each result as soon as it completes.
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
static call_list *list_of(sqlambda_call *c) {
    struct sqlambda_multi *m = c->m;
    switch (c->state) {
    case CALL_QUEUED: return &m->queued;
    case CALL_RUNNING: return &m->running;
    case CALL_BACKOFF: return &m->backoff;
    default: return &m->done;
    }
}
static void move_to(sqlambda_call *c, call_state st) {
    list_remove(list_of(c), c);
    c->state = st;
    list_push(list_of(c), c);
}

/* ---- curl callbacks (installed by client.c) ---- */
int sqlambda_multi_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp) {
    sqlambda_client *c = userp;
    int i;
    for (i = 0; i < c->nsocks && c->socks[i].fd != s; i++) {}
    if (what == CURL_POLL_REMOVE) {
        if (i < c->nsocks) c->socks[i] = c->socks[--c->nsocks];
        return 0;
    }
    if (i == c->nsocks) {
        if (c->nsocks == c->capsocks) {
            int cap = c->capsocks ? c->capsocks * 2 : 16;
            sqlambda_sock *n = realloc(c->socks, (size_t)cap * sizeof *n);
            if (!n) return -1;
            c->socks = n;
            c->capsocks = cap;
        }
        c->socks[c->nsocks++].fd = s;
    }
    c->socks[i].events = (what & CURL_POLL_IN ? SQLAMBDA_WAIT_READ : 0) |
                         (what & CURL_POLL_OUT ? SQLAMBDA_WAIT_WRITE : 0);
    return 0;
}

int sqlambda_multi_timer_cb(CURLM *m, long timeout_ms, void *userp) {
    sqlambda_client *c = userp;
    c->timer_at = timeout_ms < 0 ? -1 : sqlambda_now_ms() + (double)timeout_ms;
    return 0;
}

static int default_wait(void *arg, sqlambda_wait_fd *fds, int nfds, long timeout_ms) {
    (void)arg;
    sqlambda_poll_fds(fds, nfds, timeout_ms);
    return SQLAMBDA_WAIT_CONTINUE;
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

static void start_attempt(sqlambda_call *call) {
    sqlambda_client *c = call->m->c;
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
    sqlambda_retry_kind kind = sqlambda_retry_classify(res->status, code, res->error_type, sent);
    if (cert_or_setup_error(cc)) kind = SQLAMBDA_RETRY_NO;
    int unsafe = kind == SQLAMBDA_RETRY_UNSAFE;
    if (unsafe && c->opts.retry_unsafe)
        kind = res->status == SQLAMBDA_E_TIMEOUT ? SQLAMBDA_RETRY_TIMEOUT : SQLAMBDA_RETRY_TRANSIENT;
    const char *why_not = NULL;
    if (kind == SQLAMBDA_RETRY_THROTTLE || kind == SQLAMBDA_RETRY_TRANSIENT ||
        kind == SQLAMBDA_RETRY_TIMEOUT) {
        if (res->attempts >= c->max_attempts) {
            why_not = NULL; /* plain: attempt count says it */
        } else {
            int cost = sqlambda_retry_quota_acquire(&c->quota, kind == SQLAMBDA_RETRY_TIMEOUT);
            if (cost == 0) {
                why_not = "retry quota exhausted; not retried";
            } else {
                call->retry_cost_taken = cost;
                double delay = sqlambda_retry_backoff_ms(res->attempts, sqlambda_client_random(c));
                if (call->reply.retry_after_ms >= 0 && (code == 429 || code == 503))
                    delay = call->reply.retry_after_ms;
                sqlambda_client_easy_put(c, call->easy);
                call->easy = NULL;
                sqlambda_reply_free(&call->reply);
                call->retry_at = now + delay;
                sqlambda_client_log(c, SQLAMBDA_LOG_DEBUG,
                                    "lambda function \"%s\": retrying in %.0f ms",
                                    res->function_name ? res->function_name : "?", delay);
                move_to(call, CALL_BACKOFF);
                return;
            }
        }
    } else if (unsafe) {
        why_not = "response lost after the request was sent; not retried (set retry_unsafe to retry)";
    }
    if (res->status == SQLAMBDA_OK) sqlambda_retry_quota_success(&c->quota, call->retry_cost_taken);
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

static void cancel_all(sqlambda_multi *m) {
    call_list *lists[] = {&m->running, &m->backoff, &m->queued};
    for (size_t i = 0; i < 3; i++) {
        sqlambda_call *call;
        while ((call = lists[i]->head)) {
            call->res.status = SQLAMBDA_E_CANCELLED;
            free(call->res.error_type);
            free(call->res.error_message);
            call->res.error_type = strdup("Cancelled");
            call->res.error_message = strdup("cancelled while waiting for the response");
            call->res.http_status = 0;
            sqlambda_result_message(&call->res, NULL);
            finish(call);
        }
    }
}

/* ---- public ---- */
sqlambda_multi *sqlambda_multi_new(sqlambda_client *c, int max_in_flight) {
    if (!c) return NULL;
    sqlambda_multi *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->c = c;
    m->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
    return m;
}

size_t sqlambda_multi_pending(const sqlambda_multi *m) {
    return m ? m->queued.n + m->running.n + m->backoff.n + m->done.n : 0;
}

sqlambda_status sqlambda_multi_run(sqlambda_multi *m, long timeout_ms, sqlambda_done_fn done,
                                   void *arg) {
    if (!m) return SQLAMBDA_E_INVALID;
    sqlambda_client *c = m->c;
    sqlambda_wait_fn wait = c->opts.wait ? c->opts.wait : default_wait;
    void *wait_arg = c->opts.wait ? c->opts.wait_arg : NULL;
    double deadline = timeout_ms >= 0 ? sqlambda_now_ms() + (double)timeout_ms : -1;
    sqlambda_wait_fd *fds = NULL;
    int capfds = 0, still;
    sqlambda_status ret = SQLAMBDA_OK;
    for (;;) {
        deliver(m, done, arg);
        double now = sqlambda_now_ms();
        for (sqlambda_call *call = m->backoff.head, *next; call; call = next) {
            next = call->next;
            if (call->retry_at <= now) start_attempt(call);
        }
        while (m->queued.head && (int)(m->running.n + m->backoff.n) < m->max_in_flight)
            start_attempt(m->queued.head);
        if (m->done.n) continue;
        if (!sqlambda_multi_pending(m)) break;
        now = sqlambda_now_ms();
        if (c->timer_at >= 0 && c->timer_at <= now) {
            c->timer_at = -1;
            curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &still);
            read_messages(c);
            continue;
        }
        if (deadline >= 0 && now >= deadline) break;
        double wait_ms = SQLAMBDA_MAX_WAIT_MS;
        if (c->timer_at >= 0 && c->timer_at - now < wait_ms) wait_ms = c->timer_at - now;
        for (sqlambda_call *call = m->backoff.head; call; call = call->next)
            if (call->retry_at - now < wait_ms) wait_ms = call->retry_at - now;
        if (deadline >= 0 && deadline - now < wait_ms) wait_ms = deadline - now;
        if (wait_ms < 0) wait_ms = 0;
        if (c->nsocks > capfds) {
            sqlambda_wait_fd *n = realloc(fds, (size_t)c->nsocks * sizeof *n);
            if (!n) {
                ret = SQLAMBDA_E_NOMEM;
                break;
            }
            fds = n;
            capfds = c->nsocks;
        }
        int nfds = c->nsocks;
        for (int i = 0; i < nfds; i++) fds[i] = (sqlambda_wait_fd){c->socks[i].fd, c->socks[i].events, 0};
        int rc = wait(wait_arg, fds, nfds, (long)(wait_ms + 0.999));
        if (rc == SQLAMBDA_WAIT_CANCEL) {
            cancel_all(m);
            deliver(m, done, arg);
            ret = SQLAMBDA_E_CANCELLED;
            break;
        }
        for (int i = 0; i < nfds; i++) {
            int r = fds[i].revents & fds[i].events;
            if (!r) continue;
            curl_multi_socket_action(c->multi, fds[i].fd,
                                     (r & SQLAMBDA_WAIT_READ ? CURL_CSELECT_IN : 0) |
                                         (r & SQLAMBDA_WAIT_WRITE ? CURL_CSELECT_OUT : 0),
                                     &still);
        }
        read_messages(c);
        if (rc == SQLAMBDA_WAIT_YIELD) {
            deliver(m, done, arg);
            break;
        }
    }
    free(fds);
    return ret;
}

void sqlambda_multi_free(sqlambda_multi *m) {
    if (!m) return;
    call_list *lists[] = {&m->running, &m->backoff, &m->queued, &m->done};
    for (size_t i = 0; i < 4; i++) {
        sqlambda_call *call;
        while ((call = lists[i]->head)) {
            list_remove(lists[i], call);
            if (call->easy) {
                curl_multi_remove_handle(m->c->multi, call->easy);
                sqlambda_client_easy_put(m->c, call->easy);
                call->easy = NULL;
            }
            sqlambda_call_free(call, 1);
        }
    }
    free(m);
}

void sqlambda_multi_enqueue(sqlambda_multi *m, sqlambda_call *call, int ok) {
    call->m = m;
    call->state = ok ? CALL_QUEUED : CALL_DONE;
    list_push(ok ? &m->queued : &m->done, call);
}
