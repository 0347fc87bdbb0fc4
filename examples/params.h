/*
 * params.h - the examples' settings, given on the command line as
 * name=value words:
 *
 *     semaphore limit=5 delay=0.5
 *
 * The live documentation page passes the values a reader picked this way,
 * so nothing is recompiled. Without arguments every example uses the
 * tutorial's values and prints what tests/support/expected.mjs says. A value that
 * does not parse, or falls outside its range, is reported on stderr once
 * and the default is used instead; words that are not name=value are
 * ignored. A setting the example does not know (a typo: `limt=5`) is
 * refused: the program says which settings it knows and exits with
 * status 2, rather than run with the default as if it had been obeyed.
 *
 * Call params_init(argc, argv, "limit delay ...") first, in main(), with
 * the names the example reads, separated by spaces; the settings may then
 * be read anywhere, coroutines included (they are copied: on the guest
 * host main() returns before the loop runs, and argv with it). The older
 * form, params_init(argc, argv), which a program in a page link made
 * before may carry, still builds and takes any name.
 */
#ifndef TIDE_EXAMPLES_PARAMS_H
#define TIDE_EXAMPLES_PARAMS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int params_argc;
static char **params_argv;

/* Whether `word`'s name (its text before '=', `n` bytes) is one of the
 * space-separated names of `known`. */
static inline int param_is_known(const char *known, const char *word, size_t n)
{
    for (const char *k = known; *k;) {
        size_t len = strcspn(k, " ");
        if (len == n && strncmp(k, word, n) == 0)
            return 1;
        k += len + (k[len] == ' ');
    }
    return 0;
}

/* params_init(argc, argv[, known]): known NULL (the older form) checks
 * no names. */
#define params_init(...) PARAMS_INIT_(__VA_ARGS__, NULL, ~)
#define PARAMS_INIT_(argc, argv, known, ...) params_init_known(argc, argv, known)

static inline void params_init_known(int argc, char **argv, const char *known)
{
    for (int i = 1; known && i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (eq && !param_is_known(known, argv[i], (size_t)(eq - argv[i]))) {
            fprintf(stderr, "unknown setting %s: the settings are ", argv[i]);
            for (const char *k = known; *k; k += strcspn(k, " ")) {
                k += strspn(k, " ");
                fprintf(stderr, "%s%.*s", k == known ? "" : ", ",
                        (int)strcspn(k, " "), k);
            }
            fputs(*known ? "\n" : "none\n", stderr);
            exit(2); /* (not the defaults, as if it had been obeyed) */
        }
    }
    params_argv = calloc((size_t)argc + 1, sizeof *params_argv);
    for (int i = 0; params_argv && i < argc; i++) {
        char *copy = malloc(strlen(argv[i]) + 1);
        if (copy) /* (out of memory: that setting keeps its default) */
            params_argv[params_argc++] = strcpy(copy, argv[i]);
    }
}

/* The text after "name=" (the last one given wins), or NULL. */
static inline const char *param_text(const char *name)
{
    size_t n = strlen(name);
    const char *found = NULL;
    for (int i = 1; i < params_argc; i++)
        if (strncmp(params_argv[i], name, n) == 0 && params_argv[i][n] == '=')
            found = params_argv[i] + n + 1;
    return found;
}

/* A bad setting is reported once: its words are then forgotten, so every
 * later read (settings are read where they are used, often many times)
 * gets the default without a word. */
static inline void param_reject(const char *name, const char *why)
{
    fprintf(stderr, "ignoring %s=%s: expected %s\n", name, param_text(name),
            why);
    size_t n = strlen(name);
    for (int i = 1; i < params_argc; i++)
        if (strncmp(params_argv[i], name, n) == 0 && params_argv[i][n] == '=')
            params_argv[i][0] = '\0';
}

/* A number in [min, max]. */
static inline double param_num(const char *name, double fallback, double min,
                               double max)
{
    const char *s = param_text(name);
    if (!s)
        return fallback;
    char *end, why[64];
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= min && v <= max)) {
        snprintf(why, sizeof why, "a number from %g to %g", min, max);
        param_reject(name, why);
        return fallback;
    }
    return v;
}

/* A whole number in [min, max]. */
static inline int param_int(const char *name, int fallback, int min, int max)
{
    double v = param_num(name, fallback, min, max);
    if (v != (double)(int)v) { /* in range already, so the cast is safe */
        param_reject(name, "a whole number");
        return fallback;
    }
    return (int)v;
}

#endif
