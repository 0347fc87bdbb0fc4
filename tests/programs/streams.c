/*
 * streams.c - stdin and stdout as streams, for tests/js/streams.test.mjs,
 * which runs it natively and under WASI (node:wasi) with pipes for stdio
 * and plays the other end: slow, in pieces, binary, early EOF, a reader
 * that stops reading or goes away. argv[1] picks what the main task does;
 * results go to stdout through a tide_writer, reports to stderr:
 *
 *   lines [LIMIT]   readline until the end; each line as "<len>:<text>"
 *                   (the "\n" shown as $), a line past LIMIT (default
 *                   64 KiB) as "too long", then "end". A ticker reports
 *                   "tick" on stderr every 0.05 s while it runs.
 *   exactly N       readexactly(N) until the end: "<N>:<sum>" per block
 *                   (a sum of its bytes), then "incomplete <k> of N" for
 *                   the partial block at the end, if any, then "end".
 *   copy            stdin to stdout, bytes as they are (read + write +
 *                   drain), then close and wait_closed; "copied <n>" on
 *                   stderr.
 *   timeout T       readline with a timeout of T s each; on expiry
 *                   "timeout (<k> bytes buffered)" and on to the next
 *                   read; each line as in lines, then "end".
 *   flood N         N lines "line <i> ...." (60 bytes) with a drain after
 *                   each; "paused at <i>" on stderr the first time drain
 *                   has to wait, "resumed at <i>" when it returns. A
 *                   failing write ends it: "streams: <error>: <message>"
 *                   on stderr, exit status 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

static const char *mode;
static long arg;

struct ticker {
    TIDE_FRAME;
    double every;
};
static tide_status ticker(void *frame)
{
    struct ticker *f = frame;
    TIDE_BEGIN(f);
    for (;;) {
        TIDE_AWAIT(f, tide_sleep(f->every));
        fprintf(stderr, "tick\n");
    }
    TIDE_END(f);
}

/* "<len>:<text>" with the "\n" as $, through the writer. */
static int show_line(tide_writer *w, tide_bytes b)
{
    size_t n = b.len && b.data[b.len - 1] == '\n' ? b.len - 1 : b.len;
    return tide_writer_printf(w, "%zu:%.*s%s\n", b.len, (int)n, b.data,
                              n < b.len ? "$" : "");
}

static unsigned sum(tide_bytes b)
{
    unsigned s = 0;
    for (size_t i = 0; i < b.len; i++)
        s = s * 31 + (unsigned char)b.data[i];
    return s;
}

struct program {
    TIDE_FRAME;
    tide_reader *in;
    tide_writer *out;
    tide_task *tick;
    tide_timeout *tmo;
    tide_bytes b;
    long i, copied;
    int rc, paused;
};

/* Ends the run the way a command-line program does when its output
 * fails: the error of the write, or of the await, with its message. */
static int failed(tide_writer *w, int rc)
{
    const char *msg = tide_error_message();
    if (tide_writer_error(w, NULL) == rc)
        tide_writer_error(w, &msg);
    fprintf(stderr, "streams: %s%s%s\n", tide_strerror(rc), msg ? ": " : "",
            msg ? msg : "");
    exit(3);
}

static tide_status program(void *frame)
{
    struct program *f = frame;
    TIDE_BEGIN(f);
    TIDE_TRY(f, tide_writer_create(NULL, 1, 0, &f->out));
    if (strcmp(mode, "flood") == 0) {
        for (f->i = 0; f->i < arg; f->i++) {
            f->rc = tide_writer_printf(f->out, "line %08ld %.45s\n", f->i,
                                       "..............................."
                                       "..............");
            if (f->rc < 0)
                failed(f->out, f->rc);
            if (!f->paused && tide_writer_buffer_size(f->out) > 65536) {
                f->paused = 1;
                fprintf(stderr, "paused at %ld\n", f->i);
                TIDE_AWAIT_CATCH(f, tide_writer_drain(f->out), f->rc);
                fprintf(stderr, "resumed at %ld\n", f->i);
            } else {
                TIDE_AWAIT_CATCH(f, tide_writer_drain(f->out), f->rc);
            }
            if (f->rc < 0)
                failed(f->out, f->rc);
        }
        TIDE_RETURN(f, NULL);
    }
    TIDE_TRY(f, tide_reader_create(NULL, 0,
                                   strcmp(mode, "lines") == 0 ? (size_t)arg
                                                              : 0,
                                   0, &f->in));
    if (strcmp(mode, "lines") == 0) {
        TIDE_TRY(f, TIDE_SPAWN(ticker, "ticker", &f->tick, .every = 0.05));
        do {
            TIDE_AWAIT_CATCH(f, tide_reader_readline(f->in, &f->b), f->rc);
            if (f->rc == TIDE_ELIMIT)
                TIDE_TRY(f, tide_writer_printf(f->out, "too long\n"));
            else if (f->rc < 0)
                TIDE_THROW(f, f->rc);
            else if (f->b.len)
                TIDE_TRY(f, show_line(f->out, f->b));
            TIDE_AWAIT(f, tide_writer_drain(f->out));
        } while (f->rc < 0 || f->b.len);
    } else if (strcmp(mode, "exactly") == 0) {
        for (;;) {
            TIDE_AWAIT_CATCH(f, tide_reader_readexactly(f->in, (size_t)arg,
                                                        &f->b),
                             f->rc);
            if (f->rc == TIDE_EINCOMPLETE) {
                if (f->b.len)
                    TIDE_TRY(f, tide_writer_printf(f->out,
                                                   "incomplete %zu of %ld\n",
                                                   f->b.len, arg));
                break;
            }
            if (f->rc < 0)
                TIDE_THROW(f, f->rc);
            TIDE_TRY(f, tide_writer_printf(f->out, "%zu:%u\n", f->b.len,
                                           sum(f->b)));
        }
    } else if (strcmp(mode, "copy") == 0) {
        for (;;) {
            TIDE_AWAIT(f, tide_reader_read(f->in, 65536, &f->b));
            if (!f->b.len)
                break;
            f->copied += (long)f->b.len;
            TIDE_TRY(f, tide_writer_write(f->out, f->b.data, f->b.len));
            TIDE_AWAIT(f, tide_writer_drain(f->out));
        }
        fprintf(stderr, "copied %ld\n", f->copied);
        TIDE_RETURN(f, NULL); /* (the output is the input, nothing more) */
    } else if (strcmp(mode, "timeout") == 0) {
        for (;;) {
            TIDE_TRY(f, tide_timeout_enter((double)arg / 1000, &f->tmo));
            TIDE_AWAIT_CATCH(f, tide_reader_readline(f->in, &f->b), f->rc);
            f->rc = tide_timeout_exit(f->tmo, f->rc);
            tide_timeout_destroy(f->tmo);
            f->tmo = NULL;
            if (f->rc == TIDE_ETIMEDOUT) {
                TIDE_TRY(f, tide_writer_printf(
                                f->out, "timeout (%zu bytes buffered)\n",
                                tide_reader_buffer_size(f->in)));
                continue;
            }
            if (f->rc < 0)
                TIDE_THROW(f, f->rc);
            if (!f->b.len)
                break;
            TIDE_TRY(f, show_line(f->out, f->b));
        }
    } else {
        TIDE_THROW_MSG(f, TIDE_EINVAL, "usage: streams lines|exactly|copy|"
                                       "timeout|flood [N]");
    }
    TIDE_TRY(f, tide_writer_printf(f->out, "end\n"));
    TIDE_FINALLY(f);
    if (f->tick)
        tide_task_cancel(f->tick, NULL);
    tide_task_release(f->tick);
    tide_timeout_destroy(f->tmo);
    if (f->out && !TIDE_ERROR(f)) {
        tide_writer_close(f->out);
        TIDE_AWAIT_CATCH(f, tide_writer_wait_closed(f->out), f->rc);
    }
    tide_writer_destroy(f->out);
    tide_reader_destroy(f->in);
    TIDE_END(f);
}

int main(int argc, char **argv)
{
    mode = argc > 1 ? argv[1] : "";
    arg = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
