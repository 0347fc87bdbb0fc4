/*
 * app_supervisor.c - a program as people write them, beside its Python twin
 * (app_supervisor.py, on CPython 3.13; tests/js/apps.test.mjs compares the
 * two on every host): a supervisor that restarts failing tasks from their
 * done callbacks, by name, up to a limit, and sets an event when all have
 * settled. What it covers that the differential programs do not: done
 * callbacks that read a task's name, error, message and value, and spawn
 * a new task from the loop (outside any task).
 */
#include <stdio.h>
#include <tide.h>

struct spec {
    const char *name;
    int fail_times;
    double period;
    int attempts;
    char result[40];
};

struct job { TIDE_FRAME; struct spec *spec; };

static tide_status job(void *frame)
{
    struct job *f = frame;
    TIDE_BEGIN(f);
    f->spec->attempts++;
    TIDE_AWAIT(f, tide_sleep(f->spec->period));
    if (f->spec->attempts <= f->spec->fail_times)
        TIDE_THROW_FMT(f, TIDE_EUSER, "crashed on attempt %d",
                       f->spec->attempts);
    snprintf(f->spec->result, sizeof f->spec->result, "ok after %d attempts",
             f->spec->attempts);
    TIDE_RETURN(f, f->spec->result);
    TIDE_END(f);
}

/* The supervisor, shared by its done callbacks (Python's self). */
static struct { int max_restarts, running; tide_event *finished; } sup;

static void on_done(tide_task *task, void *arg);

static int sup_start(struct spec *spec)
{
    tide_task *task;
    int rc = TIDE_SPAWN(job, spec->name, &task, .spec = spec);
    if (rc < 0)
        return rc;
    sup.running++;
    rc = tide_task_add_done_callback(task, on_done, spec);
    tide_task_release(task);
    return rc;
}

static void on_done(tide_task *task, void *arg)
{
    struct spec *spec = arg;
    double t = tide_time();
    sup.running--;
    if (tide_task_is_cancelled(task))
        printf("%.1f %s cancelled\n", t, tide_task_name(task));
    else if (tide_task_error(task) < 0) {
        printf("%.1f %s failed: %s\n", t, tide_task_name(task),
               tide_task_message(task));
        if (spec->attempts <= sup.max_restarts) {
            printf("%.1f restarting %s\n", t, spec->name);
            int rc = sup_start(spec);
            if (rc < 0)
                tide_callback_fail(rc, "could not restart %s", spec->name);
        } else
            printf("%.1f giving up on %s\n", t, spec->name);
    } else
        printf("%.1f %s: %s\n", t, tide_task_name(task),
               (char *)tide_task_value(task));
    if (sup.running == 0)
        tide_event_set(sup.finished);
}

struct program { TIDE_FRAME; struct spec specs[3]; };

static tide_status program(void *frame)
{
    struct program *p = frame;
    TIDE_BEGIN(p);
    sup.max_restarts = 2;
    TIDE_TRY(p, tide_event_create(NULL, &sup.finished));
    p->specs[0] = (struct spec){.name = "db", .fail_times = 1, .period = 0.5};
    p->specs[1] = (struct spec){.name = "cache", .period = 0.3};
    p->specs[2] = (struct spec){.name = "api", .fail_times = 5, .period = 0.4};
    for (int i = 0; i < 3; i++)
        TIDE_TRY(p, sup_start(&p->specs[i]));
    TIDE_AWAIT(p, tide_event_wait(sup.finished));
    printf("%.1f all settled\n", tide_time());
    TIDE_FINALLY(p);
    tide_event_destroy(sup.finished);
    TIDE_END(p);
}

int main(void)
{
    return tide_main(program, &(struct program){0}, sizeof(struct program));
}
