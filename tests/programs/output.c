/*
 * output.c - a user program for the output tests (tests/js/output.test.mjs):
 * lines of any size, built with web/package/tide-emcc, and built again with a
 * file system linked in (-sFORCE_FILESYSTEM), where Emscripten hands the
 * output over another way. argv[1] picks what the main task prints:
 *
 *   line N         one stdout line of N bytes ("0123456789" repeated),
 *                  written 1 MiB at a time with a yield between writes,
 *                  then the line "after"
 *   nonl N         N bytes on stdout in one write, and no newline at all
 *   many K N       K stdout lines of N bytes, each starting with its number
 *   utf8 N         one line of N copies of U+2713 (3 bytes each)
 *   binary         a line starting with a byte order mark, then a line of
 *                  every byte value but '\n' (invalid UTF-8 among them)
 *   stderr N       one stderr line of N bytes, then "after" on stderr
 *   thread N       "build: threads" or "build: inline", then a to_thread
 *                  function prints a line of N bytes (from a Web Worker in
 *                  the pthreads build), then "after"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

#define PIECE (1u << 20)

static const char *mode;
static size_t arg1, arg2;

struct program {
    TIDE_FRAME;
    size_t left, i;
    char *buf;
    FILE *to;
};

static void fill_digits(char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('0' + i % 10);
}

static void print_binary(void)
{
    fputs("\xef\xbb\xbf" "bom\n", stdout);
    for (int c = 0; c < 256; c++)
        if (c != '\n')
            putchar(c);
    putchar('\n');
}

/* Prints a line of (size_t)arg digits, from a pool thread if there is one. */
static int print_line(void *arg, void **result)
{
    size_t n = (size_t)(uintptr_t)arg;
    char *buf = malloc(n + 1);
    (void)result;
    if (!buf)
        return TIDE_ENOMEM;
    fill_digits(buf, n);
    buf[n] = '\n';
    fwrite(buf, 1, n + 1, stdout);
    fflush(stdout);
    free(buf);
    return 0;
}

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    if (strcmp(mode, "line") == 0 || strcmp(mode, "stderr") == 0) {
        p->to = strcmp(mode, "line") == 0 ? stdout : stderr;
        p->buf = malloc(PIECE + 10);
        if (!p->buf)
            TIDE_THROW(p, TIDE_ENOMEM);
        fill_digits(p->buf, PIECE + 10);
        for (p->left = arg1; p->left > 0;) {
            size_t n = p->left < PIECE ? p->left : PIECE;
            /* byte j of the line is '0' + j % 10 */
            fwrite(p->buf + (arg1 - p->left) % 10, 1, n, p->to);
            p->left -= n;
            TIDE_YIELD(p);
        }
        fputs("\nafter\n", p->to);
    } else if (strcmp(mode, "nonl") == 0) {
        p->buf = malloc(arg1 ? arg1 : 1);
        if (!p->buf)
            TIDE_THROW(p, TIDE_ENOMEM);
        fill_digits(p->buf, arg1);
        fwrite(p->buf, 1, arg1, stdout);
    } else if (strcmp(mode, "many") == 0) {
        p->buf = malloc(arg2 + 32);
        if (!p->buf)
            TIDE_THROW(p, TIDE_ENOMEM);
        for (p->i = 0; p->i < arg1; p->i++) {
            int k = snprintf(p->buf, 32, "%zu ", p->i);
            size_t n = arg2 > (size_t)k ? arg2 : (size_t)k;
            memset(p->buf + k, 'm', n - (size_t)k);
            p->buf[n] = '\n';
            fwrite(p->buf, 1, n + 1, stdout);
            if (p->i % 1000 == 999)
                TIDE_YIELD(p);
        }
    } else if (strcmp(mode, "utf8") == 0) {
        for (p->i = 0; p->i < arg1; p->i++)
            fputs("\xe2\x9c\x93", stdout);
        putchar('\n');
    } else if (strcmp(mode, "thread") == 0) {
        printf("build: %s\n", tide_to_thread_is_inline() ? "inline" : "threads");
        fflush(stdout);
        TIDE_AWAIT(p, tide_to_thread(print_line, (void *)(uintptr_t)arg1, NULL));
        puts("after");
    } else if (strcmp(mode, "binary") == 0) {
        print_binary();
    } else {
        TIDE_THROW_MSG(p, TIDE_EINVAL, "unknown mode");
    }
    TIDE_FINALLY(p);
    free(p->buf);
    TIDE_END(p);
}

int main(int argc, char **argv)
{
    mode = argc > 1 ? argv[1] : "";
    arg1 = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
    arg2 = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
