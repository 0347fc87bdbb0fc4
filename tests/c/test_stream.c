/*
 * test_stream.c - tide_reader and tide_writer (asyncio's StreamReader and
 * StreamWriter).
 *
 * The reader's semantics are checked on every host with readers fed by
 * the test (fd -1, asyncio's feed_data / feed_eof), against what CPython
 * 3.13 does with the same bytes: the expected values below are its
 * answers for a StreamReader(limit=8) fed the same way. Streams on real
 * fds are checked natively on pipes and a file made here; WASI has no
 * pipe(), so tests/js/streams.test.mjs drives tests/programs/streams.c
 * through piped stdio from Node there (and natively too); on Emscripten
 * an fd is refused.
 *
 * Python to C: IncompleteReadError is TIDE_EINCOMPLETE (its .partial in
 * *out), LimitOverrunError TIDE_ELIMIT (.consumed in out->len), the
 * ValueError of readline TIDE_ELIMIT, the RuntimeError of a second waiter
 * TIDE_ESTATE, BrokenPipeError TIDE_EPIPE.
 */
#define _POSIX_C_SOURCE 200809L /* pipe, mkstemp */
#include <string.h>

#include "harness.h"

#if !defined(__wasi__) && !defined(__EMSCRIPTEN__)
#define PIPES 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#endif

/* Bytes as one word of the log: "\n" shown as \n, NUL as \0, " " as _. */
static const char *show(tide_bytes b)
{
    static char text[4][256];
    static int which;
    char *s = text[which++ & 3], *p = s;
    if (!b.data)
        return "(none)";
    for (size_t i = 0; i < b.len && p < s + sizeof text[0] - 3; i++) {
        char c = b.data[i];
        if (c == '\n' || c == 0 || c == '\r') {
            *p++ = '\\';
            *p++ = c == '\n' ? 'n' : c == '\r' ? 'r' : '0';
        } else {
            *p++ = c == ' ' ? '_' : c;
        }
    }
    *p = 0;
    return s;
}

static const char *err_name(int rc)
{
    return rc ? tide_errname(rc) : "ok";
}

/* A reader fed by the case, limit 8: `data`, then the end if eof. */
static int fed(tide_reader **r, const char *data, int eof)
{
    int rc = tide_reader_create(NULL, -1, 8, 0, r);
    if (rc == 0 && data)
        rc = tide_reader_feed(*r, data, strlen(data));
    if (rc == 0 && eof)
        rc = tide_reader_feed_eof(*r);
    return rc;
}

/* For tide_call_later: feeds "c", then the end. */
static int feed_c_eof(void *r)
{
    int rc = tide_reader_feed(r, "c", 1);
    return rc ? rc : tide_reader_feed_eof(r);
}

/* One read by a task of its own, logged as "<tag>:<bytes or error>":
 * readuntil(sep) if sep is set, else readline. */
struct reading {
    TIDE_FRAME;
    tide_reader *r;
    const char *tag;
    const char *sep;
    tide_bytes b;
    int rc;
};
static tide_status reading(void *frame)
{
    struct reading *f = frame;
    TIDE_BEGIN(f);
    if (f->sep)
        TIDE_AWAIT_CATCH(f, tide_reader_readuntil(f->r, f->sep,
                                                  strlen(f->sep), &f->b),
                         f->rc);
    else
        TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    th_log("%s:%s", f->tag, f->rc ? err_name(f->rc) : show(f->b));
    if (f->rc)
        TIDE_THROW(f, f->rc);
    TIDE_END(f);
}

/* ---- readline ------------------------------------------------------------- */

/* CPython: b'ab\n', b'cd', b'', and at_eof() is True. */
struct line_partial {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
    int i;
};
static tide_status line_partial(void *frame)
{
    struct line_partial *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, "ab\ncd", 1));
    TH_EQ_INT(tide_reader_at_eof(f->r), 0);
    for (f->i = 0; f->i < 3; f->i++) {
        TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
        th_log("%s", f->b.len ? show(f->b) : "empty");
        TH_EQ_INT(f->b.data[f->b.len], 0); /* a C string too */
    }
    TH_LOG_IS("ab\\n cd empty");
    TH_EQ_INT(tide_reader_at_eof(f->r), 1);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 0);
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* CPython, limit 8: "0123456789\nrest\n" -> ValueError, b'rest\n' stays;
 * "0123456789abc" -> ValueError, nothing stays; a line of exactly the
 * limit is fine; "012345678\n" -> ValueError, nothing stays. */
struct line_limit {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
    int rc;
};
static tide_status line_limit(void *frame)
{
    struct line_limit *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, "0123456789\nrest\n", 0));
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TH_EQ_STR(tide_error_message(), "a line longer than the limit of 8 bytes");
    TH_EQ_INT(tide_reader_buffer_size(f->r), 5);
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "rest\\n");
    tide_reader_destroy(f->r);
    f->r = NULL;

    TIDE_TRY(f, fed(&f->r, "0123456789abc", 0));
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 0);
    tide_reader_destroy(f->r);
    f->r = NULL;

    TIDE_TRY(f, fed(&f->r, "01234567\n0123456789\n", 0));
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "01234567\\n");
    TH_EQ_INT(tide_reader_buffer_size(f->r), 11);
    tide_reader_destroy(f->r);
    f->r = NULL;

    TIDE_TRY(f, fed(&f->r, "012345678\n", 0));
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 0);
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* A line fed in pieces: the reader waits for its "\n"; 8 bytes without
 * one still wait, the 9th is past the limit. */
struct line_pieces {
    TIDE_FRAME;
    tide_reader *r;
    tide_task *t;
    int rc, reap_rc;
};
static tide_status line_pieces(void *frame)
{
    struct line_pieces *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, NULL, 0));
    TIDE_TRY(f, TIDE_SPAWN(reading, NULL, &f->t, .r = f->r, .tag = "a"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_reader_feed(f->r, "he", 2));
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    th_log("fed");
    TIDE_TRY(f, tide_reader_feed(f->r, "llo\nwor", 7));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    tide_task_release(f->t);
    f->t = NULL;
    TH_EQ_INT(tide_reader_buffer_size(f->r), 3);
    TIDE_TRY(f, TIDE_SPAWN(reading, NULL, &f->t, .r = f->r, .tag = "b"));
    TIDE_TRY(f, tide_reader_feed(f->r, "ld!!!", 5));
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    th_log("8");
    TIDE_TRY(f, tide_reader_feed(f->r, "?", 1));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TH_LOG_IS("fed a:hello\\n 8 b:TIDE_ELIMIT");
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* ---- readuntil ------------------------------------------------------------ */

/* CPython, limit 8: "0123456789" until b'XY' -> LimitOverrunError with
 * consumed 9, the buffer untouched; "0123456789XY" -> consumed 10. */
struct until_limit {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
    int rc;
};
static tide_status until_limit(void *frame)
{
    struct until_limit *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, "0123456789", 0));
    TIDE_AWAIT_CATCH(f, tide_reader_readuntil(f->r, "XY", 2, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TH_CHECK(f->b.data == NULL);
    TH_EQ_INT(f->b.len, 9);
    TH_EQ_STR(tide_error_message(),
              "no separator in the first 9 bytes, more than the limit of 8");
    TH_EQ_INT(tide_reader_buffer_size(f->r), 10);
    TIDE_TRY(f, tide_reader_feed(f->r, "XY", 2));
    TIDE_AWAIT_CATCH(f, tide_reader_readuntil(f->r, "XY", 2, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TH_EQ_INT(f->b.len, 10);
    TH_EQ_STR(tide_error_message(),
              "the separator comes after 10 bytes, more than the limit of 8");
    TH_EQ_INT(tide_reader_buffer_size(f->r), 12);
    /* what asyncio's users do next: consume that much, then go on */
    TIDE_AWAIT(f, tide_reader_readexactly(f->r, 10, &f->b));
    TH_EQ_STR(show(f->b), "0123456789");
    TIDE_AWAIT(f, tide_reader_readuntil(f->r, "XY", 2, &f->b));
    TH_EQ_STR(show(f->b), "XY");
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* CPython, limit 8: "01234567X" until b'XY' waits, and 'Y' completes it;
 * with 'Z' instead, LimitOverrunError (consumed 9); b'\r\n' split across
 * feeds; at the end, IncompleteReadError with what there was. */
struct until_waits {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
    tide_task *t;
    int rc, reap_rc;
};
static tide_status until_waits(void *frame)
{
    struct until_waits *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, "01234567X", 0));
    TIDE_TRY(f, TIDE_SPAWN(reading, NULL, &f->t, .r = f->r, .tag = "a",
                           .sep = "XY"));
    TIDE_YIELD(f);
    TIDE_YIELD(f);
    TH_EQ_INT(tide_task_is_done(f->t), 0);
    TIDE_TRY(f, tide_reader_feed(f->r, "Y", 1));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    tide_task_release(f->t);
    f->t = NULL;

    TIDE_TRY(f, tide_reader_feed(f->r, "01234567X", 9));
    TIDE_TRY(f, TIDE_SPAWN(reading, NULL, &f->t, .r = f->r, .tag = "b",
                           .sep = "XY"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_reader_feed(f->r, "Z", 1));
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 10);
    tide_task_release(f->t);
    f->t = NULL;
    tide_reader_destroy(f->r);
    f->r = NULL;

    TIDE_TRY(f, fed(&f->r, NULL, 0));
    TIDE_TRY(f, TIDE_SPAWN(reading, NULL, &f->t, .r = f->r, .tag = "c",
                           .sep = "\r\n"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_reader_feed(f->r, "abc\r", 4));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_reader_feed(f->r, "\nz", 2));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_EQ_INT(tide_reader_buffer_size(f->r), 1);
    TIDE_TRY(f, tide_reader_feed_eof(f->r));
    TIDE_AWAIT_CATCH(f, tide_reader_readuntil(f->r, "!", 1, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINCOMPLETE);
    TH_EQ_STR(show(f->b), "z");
    TH_EQ_STR(tide_error_message(),
              "the stream ended after 1 bytes, before the separator");
    TH_EQ_INT(tide_reader_at_eof(f->r), 1);
    TH_LOG_IS("a:01234567XY b:TIDE_ELIMIT c:abc\\r\\n");
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* ---- readexactly and read ------------------------------------------------- */

/* CPython: readexactly(5) of b'abc' then EOF -> IncompleteReadError,
 * partial b'abc', expected 5, and the reader is at EOF; the bytes that
 * were there are kept while it waits. */
struct exactly_eof {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
    int rc;
};
static tide_status exactly_eof(void *frame)
{
    struct exactly_eof *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, "ab", 0));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 1, feed_c_eof, f->r,
                                NULL));
    TIDE_AWAIT_CATCH(f, tide_reader_readexactly(f->r, 5, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINCOMPLETE);
    TH_EQ_STR(show(f->b), "abc");
    TH_EQ_INT(f->b.len, 3);
    TH_EQ_STR(tide_error_message(), "the stream ended after 3 of 5 bytes");
    TH_EQ_DBL(tide_time(), 1.0);
    TH_EQ_INT(tide_reader_at_eof(f->r), 1);
    /* at the end: nothing more, at once */
    TIDE_AWAIT(f, tide_reader_readexactly(f->r, 0, &f->b));
    TH_EQ_INT(f->b.len, 0);
    TIDE_AWAIT_CATCH(f, tide_reader_readexactly(f->r, 1, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINCOMPLETE);
    TH_EQ_INT(f->b.len, 0);
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* CPython: read(-1) of 20 bytes then EOF gives all 20 (more than the
 * limit), then b''; read(4) of b'abcdef' gives b'abcd', read(0) b'',
 * read(10) b'ef'; at EOF read(3) and readexactly(0) give b''. */
struct read_cases {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
};
static tide_status read_cases(void *frame)
{
    struct read_cases *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, "aaaaaaaaaaaaaaaaaaaa", 0));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 2, feed_c_eof, f->r,
                                NULL));
    TIDE_AWAIT(f, tide_reader_read(f->r, -1, &f->b));
    TH_EQ_STR(show(f->b), "aaaaaaaaaaaaaaaaaaaac");
    TH_EQ_DBL(tide_time(), 2.0);
    TIDE_AWAIT(f, tide_reader_read(f->r, -1, &f->b));
    TH_EQ_INT(f->b.len, 0);
    tide_reader_destroy(f->r);
    f->r = NULL;

    TIDE_TRY(f, fed(&f->r, "abcdef", 0));
    TIDE_AWAIT(f, tide_reader_read(f->r, 4, &f->b));
    TH_EQ_STR(show(f->b), "abcd");
    TIDE_AWAIT(f, tide_reader_read(f->r, 0, &f->b));
    TH_EQ_INT(f->b.len, 0);
    TIDE_AWAIT(f, tide_reader_read(f->r, 10, &f->b));
    TH_EQ_STR(show(f->b), "ef");
    /* an empty buffer waits for a byte, not for n of them */
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 1, feed_c_eof, f->r,
                                NULL));
    TIDE_AWAIT(f, tide_reader_read(f->r, 10, &f->b));
    TH_EQ_STR(show(f->b), "c");
    TIDE_AWAIT(f, tide_reader_read(f->r, 3, &f->b));
    TH_EQ_INT(f->b.len, 0);
    TH_EQ_INT(tide_reader_at_eof(f->r), 1);
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* Bytes are bytes: NULs in lines, a NUL separator, lengths exact. */
struct binary_bytes {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
};
static tide_status binary_bytes(void *frame)
{
    static const char data[] = "a\0b\n\0\0\n\xff\0\xfe";
    struct binary_bytes *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, NULL, 0));
    TIDE_TRY(f, tide_reader_feed(f->r, data, sizeof data - 1));
    TIDE_TRY(f, tide_reader_feed_eof(f->r));
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_INT(f->b.len, 4);
    TH_CHECK(memcmp(f->b.data, "a\0b\n", 4) == 0);
    TIDE_AWAIT(f, tide_reader_readuntil(f->r, "\0", 1, &f->b));
    TH_EQ_INT(f->b.len, 1);
    TH_EQ_INT(f->b.data[0], 0);
    TIDE_AWAIT(f, tide_reader_readexactly(f->r, 3, &f->b));
    TH_EQ_INT(f->b.len, 3);
    TH_CHECK(memcmp(f->b.data, "\0\n\xff", 3) == 0);
    TIDE_AWAIT(f, tide_reader_read(f->r, -1, &f->b));
    TH_EQ_INT(f->b.len, 2);
    TH_CHECK(memcmp(f->b.data, "\0\xfe", 3) == 0); /* with its NUL */
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* ---- one waiter, cancellation --------------------------------------------- */

/* CPython: a second read while one waits is a RuntimeError; the first,
 * cancelled, takes nothing; bytes fed meanwhile stay for the next read. */
struct cancel_keeps {
    TIDE_FRAME;
    tide_reader *r;
    tide_task *t;
    tide_bytes b;
    int rc, reap_rc;
};
static tide_status cancel_keeps(void *frame)
{
    struct cancel_keeps *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, NULL, 0));
    TIDE_TRY(f, TIDE_SPAWN(reading, NULL, &f->t, .r = f->r, .tag = "a"));
    TIDE_YIELD(f);
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_ESTATE);
    TH_EQ_STR(tide_error_message(),
              "tide_reader_readline called while another task waits for "
              "data on this reader");
    TH_CHECK(f->b.data == NULL);
    TH_EQ_INT(tide_reader_destroy(f->r), TIDE_EBUSY);
    TIDE_TRY(f, tide_reader_feed(f->r, "par", 3));
    tide_task_cancel(f->t, NULL);
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 3);
    TIDE_TRY(f, tide_reader_feed(f->r, "tial\n", 5));
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "partial\\n");
    TH_LOG_IS("a:TIDE_ECANCELLED");
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* Woken with its line, then cancelled before it runs: the cancellation
 * wins, and the line stays buffered for the next read. */
struct cancel_after_wake {
    TIDE_FRAME;
    tide_reader *r;
    tide_task *t;
    tide_bytes b;
    int rc, reap_rc;
};
static tide_status cancel_after_wake(void *frame)
{
    struct cancel_after_wake *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, NULL, 0));
    TIDE_TRY(f, TIDE_SPAWN(reading, NULL, &f->t, .r = f->r, .tag = "a"));
    TIDE_YIELD(f);
    TIDE_TRY(f, tide_reader_feed(f->r, "line\nmore", 9));
    tide_task_cancel(f->t, "late");
    TIDE_AWAIT_CATCH(f, tide_join(f->t, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_ECANCELLED);
    TH_EQ_STR(tide_error_message(), "late");
    TH_EQ_INT(tide_reader_buffer_size(f->r), 9);
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "line\\n");
    TH_LOG_IS("a:TIDE_ECANCELLED");
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* A timeout around a read: the read is cancelled at the deadline, and
 * the partial line read by then is the start of the next read's line. */
struct timeout_keeps {
    TIDE_FRAME;
    tide_reader *r;
    tide_timeout *tmo;
    tide_bytes b;
    int rc;
};
static int feed_part(void *r)
{
    return tide_reader_feed(r, "half a ", 7);
}
static int feed_rest(void *r)
{
    return tide_reader_feed(r, "line\n", 5);
}
static tide_status timeout_keeps(void *frame)
{
    struct timeout_keeps *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_reader_create(NULL, -1, 0, 0, &f->r));
    TH_EQ_INT(tide_reader_limit(f->r), 65536);
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 0.5, feed_part, f->r,
                                NULL));
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 2, feed_rest, f->r,
                                NULL));
    TIDE_TRY(f, tide_timeout_enter(1, &f->tmo));
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    f->rc = tide_timeout_exit(f->tmo, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 7);
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "half_a_line\\n");
    TH_EQ_DBL(tide_time(), 2.0);
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->tmo);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

/* A read nothing will answer, with nothing else to do: a deadlock that
 * says what the task waits for, not a hang. */
struct read_deadlock {
    TIDE_FRAME;
    tide_reader *r;
    tide_bytes b;
};
static tide_status read_deadlock(void *frame)
{
    struct read_deadlock *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, fed(&f->r, "no end", 0));
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}
static void read_deadlock_after(tide_loop *L, tide_task *main, int err)
{
    (void)L;
    (void)main;
    TH_EQ_INT(err, TIDE_EDEADLOCK);
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK, "Task-1 waiting on reader#"));
    TH_CHECK(th_debug_has(TIDE_DEBUG_DEADLOCK,
                          " (readline, 6 bytes buffered)"));
}

/* ---- bad input -------------------------------------------------------------- */

struct bad_input {
    TIDE_FRAME;
    tide_reader *r, *r2;
    tide_writer *w;
    tide_bytes b;
    const char *msg;
    int rc;
};
static tide_status bad_input(void *frame)
{
    struct bad_input *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_reader_create(NULL, -1, 0, 0, NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_reader_create(NULL, -1, 0, 2, &f->r2), TIDE_EINVAL);
    TH_EQ_INT(tide_reader_create(NULL, -2, 0, 0, &f->r2), TIDE_EINVAL);
    TH_CHECK(f->r2 == NULL);
    TH_EQ_INT(tide_writer_create(NULL, -1, 0, &f->w), TIDE_EINVAL);
    TH_CHECK(f->w == NULL);
    TIDE_TRY(f, fed(&f->r, "x", 0));
    TIDE_AWAIT_CATCH(f, tide_reader_readline(NULL, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_reader_readuntil(f->r, NULL, 1, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_reader_readuntil(f->r, "", 0, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TH_EQ_INT(tide_reader_feed(NULL, "x", 1), TIDE_EINVAL);
    TH_EQ_INT(tide_reader_feed(f->r, NULL, 1), TIDE_EINVAL);
    TH_EQ_INT(tide_reader_feed(f->r, NULL, 0), 0);
    TH_EQ_INT(tide_reader_feed_eof(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_reader_feed_eof(f->r), 0);
    TH_EQ_INT(tide_reader_feed_eof(f->r), 0);
    TH_EQ_INT(tide_reader_feed(f->r, "y", 1), TIDE_ESTATE);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 1);
    TH_EQ_INT(tide_reader_at_eof(NULL), 0);
    TH_EQ_INT(tide_reader_buffer_size(NULL), 0);
    TH_EQ_INT(tide_reader_destroy(NULL), 0);
    TH_EQ_INT(tide_writer_destroy(NULL), 0);
    TH_EQ_INT(tide_writer_write(NULL, "x", 1), TIDE_EINVAL);
    TH_EQ_INT(tide_writer_close(NULL), TIDE_EINVAL);
    TH_EQ_INT(tide_writer_buffer_size(NULL), 0);
    TH_EQ_INT(tide_writer_is_closing(NULL), 0);
    TH_EQ_INT(tide_writer_error(NULL, &f->msg), 0);
    TH_CHECK(f->msg == NULL);
    TIDE_AWAIT_CATCH(f, tide_writer_drain(NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_AWAIT_CATCH(f, tide_writer_wait_closed(NULL), f->rc);
    TH_EQ_INT(f->rc, TIDE_EINVAL);
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    TIDE_END(f);
}

#if defined(__EMSCRIPTEN__)
/* No fds to wait for in the browser build: a clear refusal. */
struct fd_refused {
    TIDE_FRAME;
    tide_reader *r;
    tide_writer *w;
};
static tide_status fd_refused(void *frame)
{
    struct fd_refused *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_reader_create(NULL, 0, 0, 0, &f->r), TIDE_ENOTSUP);
    TH_EQ_INT(tide_writer_create(NULL, 1, 0, &f->w), TIDE_ENOTSUP);
    TH_CHECK(f->r == NULL && f->w == NULL);
    TIDE_END(f);
}
#endif

#if defined(__wasi__)
/* An fd that is not open is refused; the others: tests/js/streams.test.mjs. */
struct fd_not_open {
    TIDE_FRAME;
    tide_reader *r;
    tide_writer *w;
};
static tide_status fd_not_open(void *frame)
{
    struct fd_not_open *f = frame;
    TIDE_BEGIN(f);
    TH_EQ_INT(tide_reader_create(NULL, 77, 0, 0, &f->r), TIDE_EINVAL);
    TH_EQ_INT(tide_writer_create(NULL, 77, 0, &f->w), TIDE_EINVAL);
    TIDE_END(f);
}
#endif

#if PIPES
/* ---- real fds: pipes and a file (native) ---------------------------------- */

/* A pipe whose ends the case owns until a stream takes them. */
static int make_pipe(int fds[2])
{
    return pipe(fds) == 0 ? 0 : TIDE_EIO;
}

/* For tide_call_later: closes *fd (and forgets it). */
static int close_fd_cb(void *fd)
{
    int *p = fd;
    close(*p);
    *p = -1;
    return 0;
}

/* Writes pieces down a writer, a second apart, then closes it: lines
 * arrive split anywhere. */
struct producer {
    TIDE_FRAME;
    tide_writer *w;
    const char *const *pieces;
    int i;
};
static tide_status producer(void *frame)
{
    struct producer *f = frame;
    TIDE_BEGIN(f);
    for (f->i = 0; f->pieces[f->i]; f->i++) {
        if (f->i)
            TIDE_AWAIT(f, tide_sleep(1));
        TIDE_TRY(f, tide_writer_write(f->w, f->pieces[f->i],
                                      strlen(f->pieces[f->i])));
        TIDE_AWAIT(f, tide_writer_drain(f->w));
    }
    TIDE_TRY(f, tide_writer_close(f->w));
    TIDE_AWAIT(f, tide_writer_wait_closed(f->w));
    th_log("closed@%g", tide_time());
    TIDE_FINALLY(f);
    /* failed (an allocation failure swept): the reader must still see its
     * end of file, or it waits for the pipe for ever */
    tide_writer_close(f->w);
    TIDE_END(f);
}

/* Lines through a pipe, split anywhere, the last one without its "\n":
 * each comes when its "\n" does; the close is the reader's end of file. */
struct pipe_lines {
    TIDE_FRAME;
    int fds[2];
    tide_reader *r;
    tide_writer *w;
    tide_task *t;
    tide_bytes b;
    int reap_rc;
};
static tide_status pipe_lines(void *frame)
{
    static const char *const pieces[] = {"one\ntw", "o\nthr", "ee", NULL};
    struct pipe_lines *f = frame;
    TIDE_BEGIN(f);
    f->fds[0] = f->fds[1] = -1;
    TIDE_TRY(f, make_pipe(f->fds));
    TIDE_TRY(f, tide_reader_create(NULL, f->fds[0], 0, TIDE_STREAM_CLOSE_FD,
                                   &f->r));
    f->fds[0] = -1;
    TIDE_TRY(f, tide_writer_create(NULL, f->fds[1], TIDE_STREAM_CLOSE_FD,
                                   &f->w));
    f->fds[1] = -1;
    TIDE_TRY(f, TIDE_SPAWN(producer, NULL, &f->t, .w = f->w,
                           .pieces = pieces));
    do {
        TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
        th_log("%s@%g", f->b.len ? show(f->b) : "end", tide_time());
    } while (f->b.len);
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_LOG_IS("one\\n@0 two\\n@1 closed@2 three@2 end@2");
    TH_EQ_INT(tide_reader_at_eof(f->r), 1);
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_reader_destroy(f->r);
    tide_writer_destroy(f->w);
    if (f->fds[0] >= 0)
        close(f->fds[0]);
    if (f->fds[1] >= 0)
        close(f->fds[1]);
    TIDE_END(f);
}

/* Every byte value through a pipe, NULs included, and a line longer
 * than the limit: the reader's answers are those of a fed reader. */
struct pipe_bytes {
    TIDE_FRAME;
    int fds[2];
    tide_reader *r;
    tide_writer *w;
    tide_bytes b;
    char data[3000];
    int rc;
};
static tide_status pipe_bytes(void *frame)
{
    struct pipe_bytes *f = frame;
    TIDE_BEGIN(f);
    f->fds[0] = f->fds[1] = -1;
    for (int i = 0; i < 3000; i++)
        f->data[i] = (char)(i * 7);
    TIDE_TRY(f, make_pipe(f->fds));
    TIDE_TRY(f, tide_reader_create(NULL, f->fds[0], 8, TIDE_STREAM_CLOSE_FD,
                                   &f->r));
    f->fds[0] = -1;
    TIDE_TRY(f, tide_writer_create(NULL, f->fds[1], TIDE_STREAM_CLOSE_FD,
                                   &f->w));
    f->fds[1] = -1;
    TIDE_TRY(f, tide_writer_write(f->w, "0123456789\nok\n", 14));
    TIDE_TRY(f, tide_writer_write(f->w, f->data, sizeof f->data));
    TIDE_TRY(f, tide_writer_close(f->w));
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_ELIMIT);
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "ok\\n");
    TIDE_AWAIT(f, tide_reader_readexactly(f->r, 1000, &f->b));
    TH_EQ_INT(f->b.len, 1000);
    TH_CHECK(memcmp(f->b.data, f->data, 1000) == 0);
    TIDE_AWAIT(f, tide_reader_read(f->r, -1, &f->b));
    TH_EQ_INT(f->b.len, 2000);
    TH_CHECK(memcmp(f->b.data, f->data + 1000, 2000) == 0);
    TIDE_AWAIT(f, tide_writer_wait_closed(f->w));
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    tide_writer_destroy(f->w);
    if (f->fds[0] >= 0)
        close(f->fds[0]);
    if (f->fds[1] >= 0)
        close(f->fds[1]);
    TIDE_END(f);
}

/* Reads a pipe slowly: 16 KiB at a time, a tenth of a second apart,
 * counting the bytes and checking they are the writer's pattern. */
struct slow_reader {
    TIDE_FRAME;
    tide_reader *r;
    tide_reader **owner; /* where the watching task keeps r */
    size_t *got; /* in the frame of the task that watches */
    tide_bytes b;
    int bad;
};
static tide_status slow_reader(void *frame)
{
    struct slow_reader *f = frame;
    TIDE_BEGIN(f);
    do {
        TIDE_AWAIT(f, tide_sleep(0.1));
        TIDE_AWAIT(f, tide_reader_read(f->r, 16384, &f->b));
        for (size_t i = 0; i < f->b.len; i++)
            f->bad |= f->b.data[i] != (char)((*f->got + i) % 251);
        *f->got += f->b.len;
    } while (f->b.len);
    if (f->bad)
        TIDE_THROW_MSG(f, TIDE_EUSER, "bytes out of order");
    TIDE_FINALLY(f);
    if (TIDE_ERROR(f)) {
        /* (an allocation failure swept): the reading end goes, so that the
         * writer hears TIDE_EPIPE instead of waiting for it for ever */
        tide_reader_destroy(f->r);
        *f->owner = NULL;
    }
    TIDE_END(f);
}

/* A writer whose reader is slow: past the high-water mark drain waits,
 * and returns once the reader has taken the buffer down to the low one
 * (not to nothing); every byte arrives, in order. The marks are set
 * wider apart than what one write to the pipe takes. */
struct pipe_backpressure {
    TIDE_FRAME;
    int fds[2];
    tide_reader *r;
    tide_writer *w;
    tide_task *t;
    char *data;
    size_t size, got;
    int reap_rc;
};
static tide_status pipe_backpressure(void *frame)
{
    struct pipe_backpressure *f = frame;
    TIDE_BEGIN(f);
    f->fds[0] = f->fds[1] = -1;
    f->size = 512 * 1024;
    f->data = malloc(f->size);
    TIDE_TRY(f, f->data ? 0 : TIDE_ENOMEM);
    for (size_t i = 0; i < f->size; i++)
        f->data[i] = (char)(i % 251);
    TIDE_TRY(f, make_pipe(f->fds));
    TIDE_TRY(f, tide_reader_create(NULL, f->fds[0], 0, TIDE_STREAM_CLOSE_FD,
                                   &f->r));
    f->fds[0] = -1;
    TIDE_TRY(f, tide_writer_create(NULL, f->fds[1], TIDE_STREAM_CLOSE_FD,
                                   &f->w));
    f->fds[1] = -1;
    TH_EQ_INT(tide_writer_set_buffer_limits(f->w, 1, 2), TIDE_EINVAL);
    TH_EQ_INT(tide_writer_set_buffer_limits(NULL, 0, 0), TIDE_EINVAL);
    /* 0 is asyncio's None: high = 4 * low, so this low is no error */
    TH_EQ_INT(tide_writer_set_buffer_limits(f->w, 0, 100 * 1024), 0);
    TH_EQ_INT(tide_writer_set_buffer_limits(f->w, 0, 0), 0);
    TIDE_TRY(f, tide_writer_set_buffer_limits(f->w, 200 * 1024, 100 * 1024));
    TIDE_TRY(f, TIDE_SPAWN(slow_reader, NULL, &f->t, .r = f->r,
                           .owner = &f->r, .got = &f->got));
    TIDE_TRY(f, tide_writer_write(f->w, f->data, f->size));
    /* the pipe took what it holds; the rest is buffered, past the mark */
    TH_CHECK(tide_writer_buffer_size(f->w) > 200 * 1024);
    TH_CHECK(tide_writer_buffer_size(f->w) < f->size);
    th_log("write");
    TIDE_AWAIT(f, tide_writer_drain(f->w));
    th_log("drained");
    TH_CHECK(tide_writer_buffer_size(f->w) <= 100 * 1024);
    TH_CHECK(tide_writer_buffer_size(f->w) > 0);
    /* at the reader's pace: all but what the pipe, the reader's buffer
     * (a read takes up to 64 KiB) and the writer's low mark hold */
    TH_CHECK(f->got >= f->size - (64 + 64 + 100) * 1024);
    TH_CHECK(f->got < f->size);
    TIDE_TRY(f, tide_writer_close(f->w));
    TIDE_AWAIT(f, tide_writer_wait_closed(f->w));
    TIDE_AWAIT(f, tide_join(f->t, NULL));
    TH_EQ_INT(f->got, f->size);
    TH_LOG_IS("write drained");
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_reader_destroy(f->r);
    tide_writer_destroy(f->w);
    free(f->data);
    if (f->fds[0] >= 0)
        close(f->fds[0]);
    if (f->fds[1] >= 0)
        close(f->fds[1]);
    TIDE_END(f);
}

/* The reading end closed: writing is TIDE_EPIPE with errno's text, not a
 * SIGPIPE that kills the process; the error stays. Then a pipe closed
 * while bytes wait in the buffer: drain hears it. */
struct pipe_broken {
    TIDE_FRAME;
    int fds[2];
    tide_writer *w;
    char *data;
    const char *msg;
    int rc;
};
static tide_status pipe_broken(void *frame)
{
    struct pipe_broken *f = frame;
    TIDE_BEGIN(f);
    f->fds[0] = f->fds[1] = -1;
    TIDE_TRY(f, make_pipe(f->fds));
    close(f->fds[0]);
    f->fds[0] = -1;
    TIDE_TRY(f, tide_writer_create(NULL, f->fds[1], 0, &f->w));
    TH_EQ_INT(tide_writer_error(f->w, NULL), 0);
    TH_EQ_INT(tide_writer_write(f->w, "x", 1), TIDE_EPIPE);
    TH_EQ_INT(tide_writer_error(f->w, &f->msg), TIDE_EPIPE);
    TH_HAS(f->msg, ": Broken pipe");
    TH_EQ_INT(tide_writer_write(f->w, "y", 1), TIDE_EPIPE);
    TIDE_AWAIT_CATCH(f, tide_writer_drain(f->w), f->rc);
    TH_EQ_INT(f->rc, TIDE_EPIPE);
    TH_HAS(tide_error_message(), "write to fd ");
    TH_HAS(tide_error_message(), ": Broken pipe");
    TH_EQ_INT(tide_writer_close(f->w), 0);
    TIDE_AWAIT_CATCH(f, tide_writer_wait_closed(f->w), f->rc);
    TH_EQ_INT(f->rc, TIDE_EPIPE);
    tide_writer_destroy(f->w);
    f->w = NULL;
    close(f->fds[1]);
    f->fds[1] = -1;

    TIDE_TRY(f, make_pipe(f->fds));
    TIDE_TRY(f, tide_writer_create(NULL, f->fds[1], 0, &f->w));
    f->data = calloc(1, 256 * 1024);
    TIDE_TRY(f, f->data ? 0 : TIDE_ENOMEM);
    TIDE_TRY(f, tide_writer_write(f->w, f->data, 256 * 1024));
    TH_CHECK(tide_writer_buffer_size(f->w) > 0);
    TIDE_TRY(f, tide_call_later(tide_running_loop(), 1, close_fd_cb,
                                &f->fds[0], NULL));
    TIDE_AWAIT_CATCH(f, tide_writer_drain(f->w), f->rc);
    TH_EQ_INT(f->rc, TIDE_EPIPE);
    TH_HAS(tide_error_message(), ": Broken pipe");
    TH_EQ_DBL(tide_time(), 1.0);
    TH_EQ_INT(tide_writer_buffer_size(f->w), 0); /* dropped, as asyncio */
    TIDE_FINALLY(f);
    tide_writer_destroy(f->w);
    free(f->data);
    if (f->fds[0] >= 0)
        close(f->fds[0]);
    if (f->fds[1] >= 0)
        close(f->fds[1]);
    TIDE_END(f);
}

/* A timeout cancels a read from a pipe holding half a line: nothing read
 * is lost, the next read's line begins with it. */
struct pipe_cancel {
    TIDE_FRAME;
    int fds[2];
    tide_reader *r;
    tide_timeout *tmo;
    tide_bytes b;
    int rc;
};
static tide_status pipe_cancel(void *frame)
{
    struct pipe_cancel *f = frame;
    TIDE_BEGIN(f);
    f->fds[0] = f->fds[1] = -1;
    TIDE_TRY(f, make_pipe(f->fds));
    TIDE_TRY(f, tide_reader_create(NULL, f->fds[0], 0, 0, &f->r));
    TIDE_TRY(f, write(f->fds[1], "half a ", 7) == 7 ? 0 : TIDE_EIO);
    TIDE_TRY(f, tide_timeout_enter(1, &f->tmo));
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    f->rc = tide_timeout_exit(f->tmo, f->rc);
    TH_EQ_INT(f->rc, TIDE_ETIMEDOUT);
    TH_EQ_INT(tide_reader_buffer_size(f->r), 7);
    TIDE_TRY(f, write(f->fds[1], "line\nnext", 9) == 9 ? 0 : TIDE_EIO);
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "half_a_line\\n");
    close(f->fds[1]);
    f->fds[1] = -1;
    TIDE_AWAIT(f, tide_reader_readline(f->r, &f->b));
    TH_EQ_STR(show(f->b), "next");
    TIDE_FINALLY(f);
    tide_timeout_destroy(f->tmo);
    tide_reader_destroy(f->r);
    if (f->fds[0] >= 0)
        close(f->fds[0]);
    if (f->fds[1] >= 0)
        close(f->fds[1]);
    TIDE_END(f);
}

/* Counts loop iterations while another task reads a file. */
struct counter {
    TIDE_FRAME;
    int *n;
};
static tide_status counter(void *frame)
{
    struct counter *f = frame;
    TIDE_BEGIN(f);
    for (;;) {
        ++*f->n;
        TIDE_YIELD(f);
    }
    TIDE_END(f);
}

/* A regular file never makes anyone wait: a writer writes it at once, a
 * reader reads it a chunk per iteration, so other tasks run meanwhile. */
struct file_always {
    TIDE_FRAME;
    char path[64];
    int fd;
    tide_writer *w;
    tide_reader *r;
    tide_task *t;
    tide_bytes b;
    int turns, i, reap_rc;
};
static tide_status file_always(void *frame)
{
    struct file_always *f = frame;
    TIDE_BEGIN(f);
    f->fd = -1;
    snprintf(f->path, sizeof f->path, "/tmp/tide-stream-XXXXXX");
    f->fd = mkstemp(f->path);
    TIDE_TRY(f, f->fd >= 0 ? 0 : TIDE_EIO);
    unlink(f->path);
    TIDE_TRY(f, tide_writer_create(NULL, f->fd, 0, &f->w));
    for (f->i = 0; f->i < 20000; f->i++) {
        TIDE_TRY(f, tide_writer_printf(f->w, "line %06d\n", f->i));
        TH_EQ_INT(tide_writer_buffer_size(f->w), 0);
    }
    TIDE_TRY(f, tide_writer_close(f->w));
    TIDE_AWAIT(f, tide_writer_wait_closed(f->w));
    TIDE_TRY(f, lseek(f->fd, 0, SEEK_SET) == 0 ? 0 : TIDE_EIO);
    TIDE_TRY(f, tide_reader_create(NULL, f->fd, 0, 0, &f->r));
    TIDE_TRY(f, TIDE_SPAWN(counter, NULL, &f->t, .n = &f->turns));
    TIDE_AWAIT(f, tide_reader_read(f->r, -1, &f->b));
    TH_EQ_INT(f->b.len, 20000 * 12);
    TH_CHECK(memcmp(f->b.data + 12 * 12345, "line 012345\n", 12) == 0);
    /* 240,000 bytes come in four 64 KiB chunks and an end: the counter
     * ran once per chunk */
    TH_CHECK(f->turns >= 4);
    TIDE_FINALLY(f);
    TH_REAP_ONE(f, f->t);
    tide_reader_destroy(f->r);
    tide_writer_destroy(f->w);
    if (f->fd >= 0)
        close(f->fd);
    TIDE_END(f);
}

/* fds that cannot be streams, and an fd whose reads fail. */
struct fd_errors {
    TIDE_FRAME;
    tide_reader *r;
    tide_writer *w;
    int dir, null;
    tide_bytes b;
    int rc;
};
static tide_status fd_errors(void *frame)
{
    struct fd_errors *f = frame;
    TIDE_BEGIN(f);
    f->dir = open("/", O_RDONLY);
    f->null = open("/dev/null", O_WRONLY);
    TIDE_TRY(f, f->dir >= 0 && f->null >= 0 ? 0 : TIDE_EIO);
    TH_EQ_INT(tide_reader_create(NULL, 4321, 0, 0, &f->r), TIDE_EINVAL);
    TH_EQ_INT(tide_writer_create(NULL, 4321, 0, &f->w), TIDE_EINVAL);
    TH_EQ_INT(tide_reader_create(NULL, f->dir, 0, 0, &f->r), TIDE_EINVAL);
    TH_CHECK(f->r == NULL && f->w == NULL);
    /* a reader on a write-only fd: its first read fails, and so do the
     * ones after it */
    TIDE_TRY(f, tide_reader_create(NULL, f->null, 0, 0, &f->r));
    TH_EQ_INT(tide_reader_feed(f->r, "x", 1), TIDE_ESTATE);
    TIDE_AWAIT_CATCH(f, tide_reader_readline(f->r, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EIO);
    TH_HAS(tide_error_message(), "read from fd ");
    TH_HAS(tide_error_message(), ": Bad file descriptor");
    TIDE_AWAIT_CATCH(f, tide_reader_read(f->r, 0, &f->b), f->rc);
    TH_EQ_INT(f->rc, TIDE_EIO);
    TIDE_FINALLY(f);
    tide_reader_destroy(f->r);
    if (f->dir >= 0)
        close(f->dir);
    if (f->null >= 0)
        close(f->null);
    TIDE_END(f);
}
#endif



static const th_case cases[] = {
    TH_CASE("readline: a partial last line at the end, then empty reads",
            line_partial),
    TH_CASE("readline: a line past the limit is dropped (with its \\n), "
            "asyncio's ValueError",
            line_limit),
    TH_CASE_AFTER("readline waits for the \\n of a line fed in pieces, "
                  "and fails past the limit",
                  line_pieces, NULL, TH_OOM),
    TH_CASE("readuntil: past the limit, LimitOverrunError's consumed and "
            "the buffer left as it was",
            until_limit),
    TH_CASE("readuntil waits for a separator split across feeds; "
            "IncompleteReadError at the end",
            until_waits),
    TH_CASE("readexactly: the end in the middle gives the partial bytes",
            exactly_eof),
    TH_CASE_AFTER("read(n), read(0), read(-1) past the limit", read_cases,
                  NULL, TH_OOM),
    TH_CASE("binary bytes: NULs in lines, a NUL separator", binary_bytes),
    TH_CASE("one waiter at a time; a cancelled read keeps what was read",
            cancel_keeps),
    TH_CASE("cancelled after its line came: the line stays buffered",
            cancel_after_wake),
    TH_CASE("a timeout around a read loses nothing", timeout_keeps),
    TH_CASE_AFTER("a read nothing answers is a deadlock that says so",
                  read_deadlock, read_deadlock_after, TH_EXPECT_ERROR),
    TH_CASE("bad input: NULL arguments, bad flags, feeding after the end",
            bad_input),
#if defined(__EMSCRIPTEN__)
    TH_CASE("Emscripten: a stream on an fd is not supported", fd_refused),
#endif
#if defined(__wasi__)
    TH_CASE("WASI: an fd that is not open is refused", fd_not_open),
#endif
#if PIPES
    TH_CASE("pipe: lines split anywhere, the close is the end",
            pipe_lines),
    TH_CASE("pipe: every byte value, and a line past the limit",
            pipe_bytes),
    TH_CASE("pipe: a slow reader makes drain wait; every byte arrives",
            pipe_backpressure),
    TH_CASE("pipe: the reader gone is TIDE_EPIPE, not SIGPIPE",
            pipe_broken),
    TH_CASE("pipe: a timeout around a read loses nothing", pipe_cancel),
    TH_CASE("file: written at once, read a chunk per iteration",
            file_always),
    TH_CASE("fd errors: not open, a directory, a write-only fd read",
            fd_errors),
#endif
};

TH_MAIN(cases)
