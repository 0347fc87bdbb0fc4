/*
 * sleeps.c - short sleeps one after another, on the real clock:
 *
 *   sleeps [count] [seconds]      (defaults 200 0.001)
 *
 * One task sleeps `count` times for `seconds` each and prints how long
 * that took in all, as `SLEEPS {json}`. tests/browser/timers.test.mjs runs
 * it in Chromium and in Node: a browser clamps timers set from timer
 * callbacks to 4 ms, and the guest host must not pass that on to sleeps.
 * Each sleep must also last at least what it asked for (checked here).
 */
#include <tide.h>

#include <stdio.h>
#include <stdlib.h>

static long count = 200;
static double seconds = 0.001;

struct sleeper {
    TIDE_FRAME;
    long i;
    double started, last;
    int early; /* sleeps that ended before their time */
};

static tide_status sleeper(void *frame)
{
    struct sleeper *s = frame;
    TIDE_BEGIN(s);
    s->started = s->last = tide_time();
    for (s->i = 0; s->i < count; s->i++) {
        TIDE_AWAIT(s, tide_sleep(seconds));
        double now = tide_time();
        if (now - s->last < seconds - 1e-6)
            s->early++;
        s->last = now;
    }
    printf("SLEEPS {\"count\":%ld,\"seconds\":%g,\"ms\":%.3f,\"early\":%d}\n",
           count, seconds, (s->last - s->started) * 1e3, s->early);
    if (s->early)
        TIDE_THROW(s, TIDE_ESTATE);
    TIDE_END(s);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        count = atol(argv[1]);
    if (argc > 2)
        seconds = atof(argv[2]);
    if (count < 1 || !(seconds >= 0)) {
        fprintf(stderr, "usage: sleeps [count] [seconds]\n");
        return 2;
    }
    return tide_main(sleeper, &(struct sleeper){0}, sizeof(struct sleeper));
}
