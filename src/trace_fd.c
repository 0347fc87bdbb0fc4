/*
 * trace_fd.c - TIDE_TRACE_FD=N: tide_main traces its loop as text, one
 * line per event, on file descriptor N, which whoever starts the program
 * opened for it (a shell's `3>trace.txt`; the live page's WASI runner,
 * which draws its timeline from them; tide.h, at tide_main, gives the
 * format). A setting of the environment, like TIDE_CLOCK and TIDE_DEBUG,
 * so every host and runner gets it without code of its own.
 *
 * Lines are buffered and written when a task step begins or a task ends
 * (so the events before a line of the program's output come out before
 * it), when the buffer is full, and when the run ends.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct tide__trace_out {
    int fd;
    size_t len;
    char buf[TIDE_TRACE_FD_BUFFER];
} trace_out;

static const char *const EVENT_WORDS[] = {"?", "spawn", "run", "suspend", "wake", "finish"};

/* Writes what is buffered; on an error the trace stops, with a message
 * (the descriptor was not opened, or its reader went away). */
static void flush_out(tide_loop *L, trace_out *o)
{
    size_t done = 0;
    while (done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "tide: TIDE_TRACE_FD=%d: %s; tracing stops\n", o->fd,
                    n < 0 ? strerror(errno) : "nothing written");
            o->len = 0;
            tide_loop_set_trace_handler(L, NULL, NULL);
            tide__free(L, o, sizeof *o);
            return;
        }
        done += (size_t)n;
    }
    o->len = 0;
}

static void trace_line(tide_loop *L, int event, tide_task *t, const char *what,
                       int status, void *arg)
{
    trace_out *o = arg;
    /* the clock as a step begins (the others follow closely; wakes come
     * from timers that set L->now), as the JS API's trace stamps them */
    int64_t now = event == TIDE_TRACE_RUN ? tide__loop_now(L) : L->now;
    char status_text[24];
    const char *err = status < 0 ? tide_errname(status) : NULL;
    if (!err)
        snprintf(status_text, sizeof status_text, "%d", status);
    const char *name = event == TIDE_TRACE_SPAWN ? tide_task_name(t) : NULL;
    size_t room = sizeof o->buf - o->len;
    if (room < TIDE_TRACE_FD_LINE) {
        flush_out(L, o);
        if (L->trace != trace_line)
            return;
        room = sizeof o->buf;
    }
    int n = snprintf(o->buf + o->len, TIDE_TRACE_FD_LINE, "%.9f %s %llu %s %s",
                     (double)now / 1e9, EVENT_WORDS[event >= 1 && event <= 5 ? event : 0],
                     (unsigned long long)tide_task_id(t), err ? err : status_text,
                     what && *what ? what : "-");
    if (n < 0)
        return;
    size_t len = (size_t)n < TIDE_TRACE_FD_LINE ? (size_t)n : TIDE_TRACE_FD_LINE - 1;
    /* the name last, as it is (a space allowed), a line break made a space,
     * cut to what a line holds */
    if (name) {
        o->buf[o->len + len++] = ' ';
        for (const char *c = name; *c && len < TIDE_TRACE_FD_LINE - 1; c++)
            o->buf[o->len + len++] = (*c == '\n' || *c == '\r') ? ' ' : *c;
    }
    o->buf[o->len + len++] = '\n';
    o->len += len;
    if (event == TIDE_TRACE_RUN || event == TIDE_TRACE_FINISH)
        flush_out(L, o);
}

/* Tasks made before tracing began get their spawn line now. */
static int trace_existing(tide_task *t, void *arg)
{
    trace_line(t->loop, TIDE_TRACE_SPAWN, t, NULL, 0, arg);
    return 0;
}

void tide__trace_fd_start(tide_loop *L)
{
    const char *env = getenv("TIDE_TRACE_FD");
    if (!env || !*env)
        return;
    char *end;
    errno = 0;
    long fd = strtol(env, &end, 10);
    if (*end || errno || fd < 0 || fd > 1 << 20) {
        fprintf(stderr, "tide: TIDE_TRACE_FD=%s is not a file descriptor number; not tracing\n", env);
        return;
    }
    trace_out *o = tide__alloc(L, sizeof *o);
    if (!o) {
        fprintf(stderr, "tide: TIDE_TRACE_FD: %s; not tracing\n", tide_strerror(TIDE_ENOMEM));
        return;
    }
    o->fd = (int)fd;
    o->len = 0;
    tide_loop_set_trace_handler(L, trace_line, o);
    tide_loop_walk(L, trace_existing, o);
}

void tide__trace_fd_stop(tide_loop *L)
{
    if (L->trace != trace_line)
        return;
    trace_out *o = L->trace_arg;
    flush_out(L, o);
    if (L->trace != trace_line)
        return; /* the flush failed and let go of it */
    tide_loop_set_trace_handler(L, NULL, NULL);
    tide__free(L, o, sizeof *o);
}
