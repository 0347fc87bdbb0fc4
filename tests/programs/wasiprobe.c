/*
 * wasiprobe.c - a command-line program that says what it was given, for
 * tests/js/wasi.test.mjs: the same program natively and under tide-run
 * must print the same and end with the same status. argv[1] is the mode:
 *
 *   args A B ...     prints each argument on a line
 *   env NAME ...     prints NAME=value, or NAME unset
 *   stdin            echoes stdin, each line as "<n>:<line>", then "bytes N"
 *   file PATH        prints the file's first line (through a preopen on WASI)
 *   exit N           exits with status N
 *   abort            prints "aborting" and calls abort()
 *   sleep SECONDS    a Tide task sleeps that long, then prints "slept";
 *                    with TIDE_CLOCK=virtual at once
 *   badframe         tide_main given a frame_size too small for a frame
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

struct sleeper { TIDE_FRAME; double seconds; };

static tide_status sleeper(void *frame)
{
    struct sleeper *s = frame;
    TIDE_BEGIN(s);
    TIDE_AWAIT(s, tide_sleep(s->seconds));
    printf("slept %g at loop time %g\n", s->seconds, tide_time());
    TIDE_END(s);
}

static int echo_stdin(void)
{
    char line[4096];
    size_t bytes = 0;
    int n = 0;
    while (fgets(line, sizeof line, stdin)) {
        bytes += strlen(line);
        line[strcspn(line, "\n")] = '\0';
        printf("%d:%s\n", ++n, line);
    }
    printf("bytes %zu\n", bytes);
    return 0;
}

static int first_line(const char *file)
{
    char line[256];
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        return 1;
    }
    if (fgets(line, sizeof line, f))
        printf("%s", line);
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "args")) {
        for (int i = 2; i < argc; i++)
            printf("%s\n", argv[i]);
        return 0;
    }
    if (!strcmp(mode, "env")) {
        for (int i = 2; i < argc; i++) {
            const char *v = getenv(argv[i]);
            if (v)
                printf("%s=%s\n", argv[i], v);
            else
                printf("%s unset\n", argv[i]);
        }
        return 0;
    }
    if (!strcmp(mode, "stdin"))
        return echo_stdin();
    if (!strcmp(mode, "file") && argc > 2)
        return first_line(argv[2]);
    if (!strcmp(mode, "exit") && argc > 2)
        return atoi(argv[2]);
    if (!strcmp(mode, "abort")) {
        printf("aborting\n");
        fflush(stdout);
        abort();
    }
    if (!strcmp(mode, "sleep") && argc > 2) {
        struct sleeper s = {.seconds = atof(argv[2])};
        return tide_main(sleeper, &s, sizeof s);
    }
    if (!strcmp(mode, "badframe")) {
        struct sleeper s = {.seconds = 0};
        return tide_main(sleeper, &s, 4);
    }
    fprintf(stderr, "usage: wasiprobe args|env|stdin|file|exit|abort|sleep|"
                    "badframe ...\n");
    return 2;
}
