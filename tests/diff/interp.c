/*
 * interp.c - runs differential-testing programs (tests/diff/README.md) on
 * Tide's public API and prints the trace that tests/diff/interp.py prints
 * for CPython's asyncio. Any difference between the two traces is a bug in
 * Tide, in one of the interpreters, or a difference listed in
 * docs/differences.md.
 *
 *     interp PROGRAM...
 *
 * Each argument is one program text (lines separated by newlines or ';').
 * Arguments rather than files because WASI runs without a file system and
 * the Emscripten build under Node has none either. Each program runs on a
 * fresh loop with the virtual clock; its trace follows a "=== prog N"
 * line, and "=== done" ends the output.
 *
 * This is test support code: it aborts on malformed programs and on
 * allocation failure of its own bookkeeping.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tide.h>

/* ---- the program ----------------------------------------------------------- */

enum opcode {
    OP_SPAWN, OP_GSPAWN, OP_GCANCEL, OP_SLEEP, OP_CANCEL, OP_UNCANCEL,
    OP_CANCELLING, OP_STATE, OP_JOIN, OP_GATHER, OP_WAIT, OP_WAIT_FOR,
    OP_SHIELD, OP_TIMEOUT, OP_GROUP, OP_CALL, OP_RAISE, OP_RETURN,
    OP_ACQUIRE, OP_RELEASE, OP_LOCKED,
    OP_SET, OP_CLEAR, OP_IS_SET, OP_EWAIT,
    OP_CACQUIRE, OP_CRELEASE, OP_CWAIT, OP_NOTIFY, OP_NOTIFY_ALL,
    OP_SACQUIRE, OP_SRELEASE, OP_SVALUE, OP_SLOCKED,
    OP_BWAIT, OP_RESET, OP_ABORT, OP_BSTATE,
    OP_PUT, OP_GET, OP_PUT_NOWAIT, OP_GET_NOWAIT, OP_TASK_DONE, OP_QJOIN,
    OP_SHUTDOWN, OP_QSIZE,
    OP_COUNT
};

static const struct {
    const char *name;
    int nargs;
} OPS[OP_COUNT] = {
    {"spawn", 2}, {"gspawn", 2}, {"gcancel", 0}, {"sleep", 1},
    {"cancel", 2}, {"uncancel", 1}, {"cancelling", 1}, {"state", 1},
    {"join", 1}, {"gather", 2}, {"wait", 3}, {"wait_for", 2},
    {"shield", 1}, {"timeout", 2}, {"group", 1}, {"call", 1},
    {"raise", 2}, {"return", 1},
    {"acquire", 1}, {"release", 1}, {"locked", 1},
    {"set", 1}, {"clear", 1}, {"is_set", 1}, {"ewait", 1},
    {"cacquire", 1}, {"crelease", 1}, {"cwait", 1}, {"notify", 2},
    {"notify_all", 1},
    {"sacquire", 1}, {"srelease", 1}, {"svalue", 1}, {"slocked", 1},
    {"bwait", 1}, {"reset", 1}, {"abort", 1}, {"bstate", 1},
    {"put", 2}, {"get", 1}, {"put_nowait", 2}, {"get_nowait", 1},
    {"task_done", 1}, {"qjoin", 1}, {"shutdown", 2}, {"qsize", 1},
};

enum { K_LOCK, K_EVENT, K_COND, K_SEM, K_BARRIER, K_QUEUE };

#define MAXARGS 3
#define MAXLIST 16 /* tasks named in one gather or wait */

struct op {
    int code;
    int catch_;
    char text[160];    /* as printed in the trace */
    char *arg[MAXARGS];
    double num;        /* a delay ('-': INFINITY) or an integer argument */
    int ival;
    int task;          /* a task argument: index, -1 'self', -2 unknown */
    int script;        /* a script argument */
    int obj;           /* an object argument */
    int list[MAXLIST]; /* gather/wait: task indexes */
    int nlist;
};

struct script {
    char *name;
    struct op *ops;
    int nops;
};

struct obj {
    int kind;
    char *name;
    int arg1, arg2;  /* sem value/bounded, barrier parties, queue maxsize */
    int qkind;       /* TIDE_QUEUE_* */
    int lock;        /* cond: shared lock object, or -1 */
    void *h;         /* the Tide object */
};

struct gnode { /* a stack of task groups, innermost first */
    tide_group *g;
    struct gnode *next;
};

struct prog {
    struct script *scripts;
    int nscripts;
    struct obj *objs;
    int nobjs;
    char **tnames; /* every task name a spawn op can create */
    int ntnames;
};

/* ---- a run --------------------------------------------------------------- */

struct run {
    struct prog *P;
    tide_loop *loop;
    tide_task **tasks;  /* by task name index; NULL until spawned */
    int *order;         /* task indexes in creation order */
    int norder;
    int *pending;       /* cleanup: the round's pending tasks */
    int npending;
    void **allocs;      /* everything to free when the run ends */
    size_t nallocs, cap;
    tide_group **groups; /* every group made, destroyed at the end */
    size_t ngroups, gcap;
    tide_timeout **tmos; /* scopes entered and not yet destroyed: a task
                            the run leaves pending never leaves its own */
    size_t ntmos, tcap;
    int muted;          /* after a deadlock report nothing is comparable */
};

static struct run *R; /* the run in progress (one at a time) */

/* ---- the loop's allocator: every block on a list ---------------------------
 * So that a run can check that Tide gave back all it took (a "LEAK" line
 * in the trace is a divergence on every host, not only under ASan), and
 * free what it cannot give back through the API: a task group whose owner
 * is still inside tide_group_exit when the run ends (a deadlock its
 * cancellations did not undo) is refused by tide_group_destroy before
 * tide_loop_destroy and unusable after it. */
struct blk {
    struct blk *prev, *next;
    size_t size;
};
#define BLK_HDR ((sizeof(struct blk) + 15) & ~(size_t)15)
static struct blk blocks = {&blocks, &blocks, 0};
static size_t live_bytes;

static void *tracking_alloc(void *ud, void *ptr, size_t old_size,
                            size_t new_size)
{
    (void)ud;
    (void)old_size;
    struct blk *b = ptr ? (struct blk *)((char *)ptr - BLK_HDR) : NULL;
    if (b) {
        b->prev->next = b->next;
        b->next->prev = b->prev;
        live_bytes -= b->size;
    }
    if (new_size == 0) {
        free(b);
        return NULL;
    }
    struct blk *n = realloc(b, BLK_HDR + new_size);
    void *user = NULL;
    if (n) {
        n->size = new_size;
        user = (char *)n + BLK_HDR;
    } else if (!(n = b)) {
        return NULL;
    } /* else: failed, the old block stays as it was (and on the list) */
    n->next = blocks.next;
    n->prev = &blocks;
    blocks.next->prev = n;
    blocks.next = n;
    live_bytes += n->size;
    return user;
}

static void free_all_blocks(void)
{
    while (blocks.next != &blocks) {
        struct blk *b = blocks.next;
        blocks.next = b->next;
        free(b);
    }
    blocks.prev = &blocks;
    live_bytes = 0;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "interp: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = xcalloc(strlen(s) + 1, 1);
    strcpy(d, s);
    return d;
}

/* Memory that lives as long as the run: sub-frames, group stack nodes. */
static void *run_alloc(size_t size)
{
    if (R->nallocs == R->cap) {
        R->cap = R->cap ? 2 * R->cap : 64;
        R->allocs = realloc(R->allocs, R->cap * sizeof *R->allocs);
        if (!R->allocs)
            die("out of memory");
    }
    return R->allocs[R->nallocs++] = xcalloc(1, size);
}

/* ---- parsing --------------------------------------------------------------- */

static int find_script(struct prog *P, const char *name)
{
    for (int i = 0; i < P->nscripts; i++)
        if (strcmp(P->scripts[i].name, name) == 0)
            return i;
    return -1;
}

static int find_obj(struct prog *P, const char *name)
{
    for (int i = 0; i < P->nobjs; i++)
        if (strcmp(P->objs[i].name, name) == 0)
            return i;
    return -1;
}

static int find_task(struct prog *P, const char *name)
{
    if (strcmp(name, "self") == 0)
        return -1;
    for (int i = 0; i < P->ntnames; i++)
        if (strcmp(P->tnames[i], name) == 0)
            return i;
    return -2;
}

static int split(char *line, char **tok, int max)
{
    int n = 0;
    for (char *p = strtok(line, " \t\r"); p; p = strtok(NULL, " \t\r"))
        if (n < max)
            tok[n++] = p;
        else
            return -1;
    return n;
}

static double delay(const char *s)
{
    return strcmp(s, "-") == 0 ? INFINITY : strtod(s, NULL);
}

static int need_obj(struct prog *P, const char *name, int kind, int kind2)
{
    int o = find_obj(P, name);
    if (o < 0 || (P->objs[o].kind != kind && P->objs[o].kind != kind2))
        die("no suitable object '%s'", name);
    return o;
}

static struct prog *parse(const char *src)
{
    struct prog *P = xcalloc(1, sizeof *P);
    char *text = xstrdup(src);
    /* comments out first (they may contain ';'), then ';' separates ops */
    for (char *p = text; *p; p++) {
        if (*p == '#')
            while (*p && *p != '\n')
                *p++ = ' ';
        if (*p == ';')
            *p = '\n';
        if (!*p)
            break;
    }
    /* pass 1: objects, scripts, task names; pass 2: resolve arguments */
    int cap_s = 0, cap_o = 0, cap_t = 0;
    struct script *cur = NULL;
    char *next = text;
    for (char *line = text; line; line = next) {
        /* lines one by one (split() below uses strtok on a copy) */
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        char *tok[8];
        char buf[512];
        snprintf(buf, sizeof buf, "%s", line);
        int n = split(buf, tok, 8);
        if (n == 0)
            continue;
        if (n < 0)
            die("too many words: %s", line);
        if (strcmp(tok[0], "obj") == 0) {
            if (n < 3)
                die("bad object line: %s", line);
            if (P->nobjs == cap_o) {
                cap_o = cap_o ? 2 * cap_o : 8;
                P->objs = realloc(P->objs, cap_o * sizeof *P->objs);
            }
            struct obj *o = &P->objs[P->nobjs++];
            memset(o, 0, sizeof *o);
            o->name = xstrdup(tok[2]);
            o->lock = -1;
            const char *k = tok[1];
            if (strcmp(k, "lock") == 0 && n == 3)
                o->kind = K_LOCK;
            else if (strcmp(k, "event") == 0 && n == 3)
                o->kind = K_EVENT;
            else if (strcmp(k, "cond") == 0 && (n == 3 || n == 4)) {
                o->kind = K_COND;
                if (n == 4)
                    o->lock = need_obj(P, tok[3], K_LOCK, K_LOCK);
            } else if (strcmp(k, "sem") == 0 && n == 5) {
                o->kind = K_SEM;
                o->arg1 = atoi(tok[3]);
                o->arg2 = atoi(tok[4]);
            } else if (strcmp(k, "barrier") == 0 && n == 4) {
                o->kind = K_BARRIER;
                o->arg1 = atoi(tok[3]);
            } else if (strcmp(k, "queue") == 0 && n == 5) {
                o->kind = K_QUEUE;
                o->qkind = strcmp(tok[3], "lifo") == 0   ? TIDE_QUEUE_LIFO
                           : strcmp(tok[3], "prio") == 0 ? TIDE_QUEUE_PRIORITY
                                                         : TIDE_QUEUE_FIFO;
                o->arg1 = atoi(tok[4]);
            } else
                die("bad object line: %s", line);
        } else if (strcmp(tok[0], "script") == 0) {
            if (n != 2)
                die("bad script line: %s", line);
            int s = find_script(P, tok[1]);
            if (s < 0) {
                if (P->nscripts == cap_s) {
                    cap_s = cap_s ? 2 * cap_s : 8;
                    P->scripts = realloc(P->scripts, cap_s * sizeof *P->scripts);
                }
                s = P->nscripts++;
                memset(&P->scripts[s], 0, sizeof P->scripts[s]);
                P->scripts[s].name = xstrdup(tok[1]);
            }
            cur = &P->scripts[s];
        } else {
            if (!cur)
                die("op outside a script: %s", line);
            int catch_ = tok[0][0] == '?';
            const char *name = tok[0] + catch_;
            int code = 0;
            while (code < OP_COUNT && strcmp(OPS[code].name, name) != 0)
                code++;
            if (code == OP_COUNT || n - 1 != OPS[code].nargs)
                die("bad op line: %s", line);
            cur->ops = realloc(cur->ops, (cur->nops + 1) * sizeof *cur->ops);
            struct op *op = &cur->ops[cur->nops++];
            memset(op, 0, sizeof *op);
            op->code = code;
            op->catch_ = catch_;
            size_t len = 0;
            for (int i = 0; i < n; i++)
                len += (size_t)snprintf(op->text + len, sizeof op->text - len,
                                        "%s%s", i ? " " : "", tok[i]);
            if (len >= sizeof op->text)
                die("op too long: %s", line);
            for (int i = 1; i < n; i++)
                op->arg[i - 1] = xstrdup(tok[i]);
            if (code == OP_SPAWN || code == OP_GSPAWN) {
                if (find_task(P, tok[1]) == -2) {
                    if (P->ntnames == cap_t) {
                        cap_t = cap_t ? 2 * cap_t : 8;
                        P->tnames = realloc(P->tnames, cap_t * sizeof *P->tnames);
                    }
                    P->tnames[P->ntnames++] = xstrdup(tok[1]);
                } else if (strcmp(tok[1], "self") == 0)
                    die("a task cannot be named self");
            }
        }
    }
    free(text);
    if (find_script(P, "main") < 0)
        die("no main script");
    /* resolve arguments */
    for (int s = 0; s < P->nscripts; s++) {
        for (int i = 0; i < P->scripts[s].nops; i++) {
            struct op *op = &P->scripts[s].ops[i];
            char **a = op->arg;
            switch (op->code) {
            case OP_SPAWN:
            case OP_GSPAWN:
                op->task = find_task(P, a[0]);
                op->script = find_script(P, a[1]);
                if (op->script < 0)
                    die("no script %s", a[1]);
                break;
            case OP_CANCEL:
            case OP_UNCANCEL:
            case OP_CANCELLING:
            case OP_STATE:
            case OP_JOIN:
            case OP_SHIELD:
                op->task = find_task(P, a[0]);
                break;
            case OP_WAIT_FOR:
                op->task = find_task(P, a[0]);
                op->num = delay(a[1]);
                break;
            case OP_GATHER:
            case OP_WAIT: {
                char buf[256];
                snprintf(buf, sizeof buf, "%s", a[0]);
                for (char *p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
                    if (op->nlist == MAXLIST)
                        die("too many tasks: %s", op->text);
                    op->list[op->nlist++] = find_task(P, p);
                }
                if (op->code == OP_GATHER)
                    op->ival = atoi(a[1]);
                else {
                    op->ival = strcmp(a[1], "first") == 0 ? TIDE_FIRST_COMPLETED
                               : strcmp(a[1], "exc") == 0 ? TIDE_FIRST_EXCEPTION
                                                          : TIDE_ALL_COMPLETED;
                    op->num = delay(a[2]);
                }
                break;
            }
            case OP_SLEEP:
                op->num = delay(a[0]);
                break;
            case OP_TIMEOUT:
                op->num = delay(a[0]);
                op->script = find_script(P, a[1]);
                if (op->script < 0)
                    die("no script %s", a[1]);
                break;
            case OP_GROUP:
            case OP_CALL:
                op->script = find_script(P, a[0]);
                if (op->script < 0)
                    die("no script %s", a[0]);
                break;
            case OP_RAISE:
            case OP_RETURN:
                op->ival = atoi(a[0]);
                break;
            case OP_ACQUIRE:
            case OP_RELEASE:
                op->obj = need_obj(P, a[0], K_LOCK, K_LOCK);
                break;
            case OP_LOCKED:
                op->obj = need_obj(P, a[0], K_LOCK, K_COND);
                break;
            case OP_SET:
            case OP_CLEAR:
            case OP_IS_SET:
            case OP_EWAIT:
                op->obj = need_obj(P, a[0], K_EVENT, K_EVENT);
                break;
            case OP_CACQUIRE:
            case OP_CRELEASE:
            case OP_CWAIT:
            case OP_NOTIFY_ALL:
                op->obj = need_obj(P, a[0], K_COND, K_COND);
                break;
            case OP_NOTIFY:
                op->obj = need_obj(P, a[0], K_COND, K_COND);
                op->ival = atoi(a[1]);
                break;
            case OP_SACQUIRE:
            case OP_SRELEASE:
            case OP_SVALUE:
            case OP_SLOCKED:
                op->obj = need_obj(P, a[0], K_SEM, K_SEM);
                break;
            case OP_BWAIT:
            case OP_RESET:
            case OP_ABORT:
            case OP_BSTATE:
                op->obj = need_obj(P, a[0], K_BARRIER, K_BARRIER);
                break;
            case OP_PUT:
            case OP_PUT_NOWAIT:
            case OP_SHUTDOWN:
                op->obj = need_obj(P, a[0], K_QUEUE, K_QUEUE);
                op->ival = atoi(a[1]);
                break;
            case OP_GET:
            case OP_GET_NOWAIT:
            case OP_TASK_DONE:
            case OP_QJOIN:
            case OP_QSIZE:
                op->obj = need_obj(P, a[0], K_QUEUE, K_QUEUE);
                break;
            default:
                break;
            }
        }
    }
    return P;
}

static void prog_free(struct prog *P)
{
    for (int s = 0; s < P->nscripts; s++) {
        for (int i = 0; i < P->scripts[s].nops; i++)
            for (int k = 0; k < MAXARGS; k++)
                free(P->scripts[s].ops[i].arg[k]);
        free(P->scripts[s].ops);
        free(P->scripts[s].name);
    }
    for (int i = 0; i < P->nobjs; i++)
        free(P->objs[i].name);
    for (int i = 0; i < P->ntnames; i++)
        free(P->tnames[i]);
    free(P->scripts);
    free(P->objs);
    free(P->tnames);
    free(P);
}

/* ---- the trace ------------------------------------------------------------ */

static void emit(const char *fmt, ...)
{
    if (R->muted)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* "ECANCELLED", "EUSER3", ... */
static void err_name(char *buf, size_t n, int err)
{
    if (err <= TIDE_EUSER) {
        snprintf(buf, n, "EUSER%d", TIDE_EUSER - err);
        return;
    }
    const char *name = tide_errname(err);
    snprintf(buf, n, "%s", name ? name + 5 : "EUNKNOWN");
}

/* An error as the trace shows it: messages only where they are the
 * program's own (cancel messages, raise), as Python's str() of other
 * errors is library text. */
static void fmt_err(char *buf, size_t n, int err, const char *msg)
{
    char name[32];
    err_name(name, sizeof name, err);
    if (msg && (err == TIDE_ECANCELLED || err <= TIDE_EUSER))
        snprintf(buf, n, "%s(%s)", name, msg);
    else
        snprintf(buf, n, "%s", name);
}

static void fmt_state(char *buf, size_t n, tide_task *t)
{
    void *v = NULL;
    if (!tide_task_is_done(t))
        snprintf(buf, n, "pending");
    else if (tide_task_is_cancelled(t))
        snprintf(buf, n, "cancelled");
    else {
        int err = tide_task_result(t, &v);
        if (err < 0) {
            char e[200];
            fmt_err(e, sizeof e, err, tide_task_message(t));
            snprintf(buf, n, "failed %s", e);
        } else
            snprintf(buf, n, "done %d", (int)(intptr_t)v);
    }
}

static const char *now(void)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "%.9g", tide_loop_time(R->loop));
    return buf;
}

/* ---- the interpreter ------------------------------------------------------ */

/* One script running in a task: the task's whole body (top) or a script
 * awaited inline (call, timeout and group bodies). */
struct exec {
    TIDE_FRAME;
    int script, i;
    const char *who;       /* the task's name */
    struct gnode *groups;  /* enclosing task groups */
    int top;
    intptr_t ret;          /* the value of `return` */
    int rc;
    int body_rc;
    void *val;
    struct exec *sub;
    tide_timeout *tmo;
    struct gnode *gn;
    tide_task *ts[MAXLIST];
    void *vals[MAXLIST];
    int errs[MAXLIST];
    int index;
    void *item;
    char res[1024];        /* the op's result text ("" for none) */
    char msg[256];         /* the message of the error being raised */
};

static tide_status exec(void *frame);

#define SCRIPT(f) (&R->P->scripts[(f)->script])
#define OP(f) (&SCRIPT(f)->ops[(f)->i])
#define IV(n) ((void *)(intptr_t)(n))
#define VI(p) ((int)(intptr_t)(p))

static struct exec *new_sub(struct exec *f, int script, struct gnode *groups)
{
    struct exec *s = run_alloc(sizeof *s);
    s->script = script;
    s->who = f->who;
    s->groups = groups;
    return s;
}

/* The task an op names (-1: the current one), or NULL if not spawned. */
static tide_task *task_arg(int idx)
{
    if (idx == -1)
        return tide_current_task();
    if (idx < 0)
        return NULL;
    return R->tasks[idx];
}

/* Logs the op's outcome. Returns non-zero if its error must propagate
 * (f->msg then holds the message). */
static int finish(struct exec *f, int rc, const char *msg)
{
    char where[96];
    snprintf(where, sizeof where, "%s:%d", SCRIPT(f)->name, f->i);
    if (rc >= 0) {
        emit("%s %s %s %s -> ok%s%s", now(), f->who, where, OP(f)->text,
             f->res[0] ? " " : "", f->res);
        return 0;
    }
    char e[1200];
    if (rc == TIDE_EGROUP && f->res[0])
        snprintf(e, sizeof e, "EGROUP[%s]", f->res);
    else
        fmt_err(e, sizeof e, rc, msg);
    emit("%s %s %s %s -> err %s", now(), f->who, where, OP(f)->text, e);
    snprintf(f->msg, sizeof f->msg, "%s", msg ? msg : "");
    return !OP(f)->catch_;
}

static void notask(struct exec *f)
{
    char where[96];
    snprintf(where, sizeof where, "%s:%d", SCRIPT(f)->name, f->i);
    emit("%s %s %s %s -> err NOTASK", now(), f->who, where, OP(f)->text);
}

static void set_res(struct exec *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->res, sizeof f->res, fmt, ap);
    va_end(ap);
}

static void append_res(struct exec *f, const char *fmt, ...)
{
    size_t len = strlen(f->res);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->res + len, sizeof f->res - len, fmt, ap);
    va_end(ap);
}

static int spawn(struct exec *f, const struct op *op)
{
    struct exec child;
    memset(&child, 0, sizeof child);
    child.script = op->script;
    child.who = R->P->tnames[op->task];
    child.groups = f->groups;
    child.top = 1;
    tide_task *t = NULL;
    int rc;
    if (op->code == OP_SPAWN)
        rc = tide_spawn(exec, &child, sizeof child, child.who, &t);
    else if (!f->groups)
        rc = TIDE_ESTATE;
    else
        rc = tide_group_spawn(f->groups->g, exec, &child, sizeof child,
                              child.who, &t);
    if (rc < 0)
        return rc;
    if (R->tasks[op->task]) /* spawned twice: the name means the newest */
        tide_task_release(R->tasks[op->task]);
    else
        R->order[R->norder++] = op->task;
    R->tasks[op->task] = t;
    return 0;
}

/* Formats a list of task names (those done) for wait. */
static void wait_result(struct exec *f, const struct op *op)
{
    set_res(f, "[");
    int first = 1;
    for (int k = 0; k < op->nlist; k++)
        if (tide_task_is_done(f->ts[k])) {
            append_res(f, "%s%s", first ? "" : ",",
                       op->list[k] == -1 ? "self" : R->P->tnames[op->list[k]]);
            first = 0;
        }
    append_res(f, "]");
}

static int cmp_items(const void *a, const void *b)
{
    intptr_t x = (intptr_t)a, y = (intptr_t)b;
    return x < y ? -1 : x > y;
}

/* Await `call` (an awaitable) catching its error, then log the op. The
 * op's result text must be set after the await, in `after`. */
#define AWAIT_OP(f, call, after)                                               \
    do {                                                                       \
        (f)->res[0] = 0;                                                       \
        TIDE_AWAIT_CATCH(f, call, (f)->rc);                                    \
        if ((f)->rc >= 0) {                                                    \
            after;                                                             \
        }                                                                      \
        if (finish(f, (f)->rc, tide_error_message()))                          \
            TIDE_THROW_MSG(f, (f)->rc, (f)->msg[0] ? (f)->msg : NULL);         \
    } while (0)

/* A non-suspending op: `rc` its outcome, res already set. */
#define SYNC_OP(f, rcexpr)                                                     \
    do {                                                                       \
        (f)->rc = (rcexpr);                                                    \
        if (finish(f, (f)->rc, NULL))                                          \
            TIDE_THROW(f, (f)->rc);                                            \
    } while (0)

/* The op names a task never spawned: log it, skip it. */
#define NEED_TASK(f, t)                                                        \
    if (!(t)) {                                                                \
        notask(f);                                                             \
        continue;                                                              \
    }

static tide_status exec(void *frame)
{
    struct exec *f = frame;
    const struct op *op;
    tide_task *t;
    void *h;
    TIDE_BEGIN(f);
    for (f->i = 0; f->i < SCRIPT(f)->nops; f->i++) {
        op = OP(f);
        f->res[0] = 0;
        h = op->code >= OP_ACQUIRE ? R->P->objs[op->obj].h : NULL;
        if (op->code == OP_SPAWN || op->code == OP_GSPAWN) {
            SYNC_OP(f, spawn(f, op));
        } else if (op->code == OP_GCANCEL) {
            SYNC_OP(f, f->groups ? tide_group_cancel(f->groups->g) : TIDE_ESTATE);
        } else if (op->code == OP_SLEEP) {
            AWAIT_OP(f, tide_sleep(op->num), (void)0);
        } else if (op->code == OP_CANCEL) {
            t = task_arg(op->task);
            NEED_TASK(f, t);
            int r = tide_task_cancel(t, strcmp(op->arg[1], "-") ? op->arg[1]
                                                                : NULL);
            set_res(f, "%d", r);
            SYNC_OP(f, r < 0 ? r : 0);
        } else if (op->code == OP_UNCANCEL) {
            t = task_arg(op->task);
            NEED_TASK(f, t);
            set_res(f, "%d", tide_task_uncancel(t));
            SYNC_OP(f, 0);
        } else if (op->code == OP_CANCELLING) {
            t = task_arg(op->task);
            NEED_TASK(f, t);
            set_res(f, "%d", tide_task_cancelling(t));
            SYNC_OP(f, 0);
        } else if (op->code == OP_STATE) {
            t = task_arg(op->task);
            NEED_TASK(f, t);
            fmt_state(f->res, sizeof f->res, t);
            SYNC_OP(f, 0);
        } else if (op->code == OP_JOIN || op->code == OP_SHIELD ||
                   op->code == OP_WAIT_FOR) {
            f->ts[0] = task_arg(op->task);
            NEED_TASK(f, f->ts[0]);
            AWAIT_OP(f,
                     OP(f)->code == OP_JOIN     ? tide_join(f->ts[0], &f->val)
                     : OP(f)->code == OP_SHIELD ? tide_shield(f->ts[0], &f->val)
                                                : tide_wait_for(f->ts[0], OP(f)->num,
                                                                &f->val),
                     set_res(f, "%d", VI(f->val)));
        } else if (op->code == OP_GATHER || op->code == OP_WAIT) {
            int missing = 0;
            for (int k = 0; k < op->nlist; k++)
                if (!(f->ts[k] = task_arg(op->list[k])))
                    missing = 1;
            if (missing) {
                notask(f);
                continue;
            }
            if (op->code == OP_GATHER) {
                AWAIT_OP(f,
                         tide_gather(f->ts, (size_t)OP(f)->nlist,
                                     OP(f)->ival ? TIDE_GATHER_RETURN_ERRORS : 0,
                                     f->vals, f->errs),
                         {
                             set_res(f, "[");
                             for (int k = 0; k < OP(f)->nlist; k++) {
                                 char e[300];
                                 if (f->errs[k] < 0)
                                     fmt_err(e, sizeof e, f->errs[k],
                                             tide_task_message(f->ts[k]));
                                 else
                                     snprintf(e, sizeof e, "%d",
                                              VI(f->vals[k]));
                                 append_res(f, "%s%s", k ? "," : "", e);
                             }
                             append_res(f, "]");
                         });
            } else {
                AWAIT_OP(f,
                         tide_wait(f->ts, (size_t)OP(f)->nlist, OP(f)->ival,
                                   OP(f)->num),
                         wait_result(f, OP(f)));
            }
        } else if (op->code == OP_TIMEOUT) {
            f->res[0] = 0;
            f->rc = tide_timeout_enter(op->num, &f->tmo);
            if (f->rc < 0)
                die("tide_timeout_enter: %d", f->rc);
            if (R->ntmos == R->tcap) {
                R->tcap = R->tcap ? 2 * R->tcap : 8;
                R->tmos = realloc(R->tmos, R->tcap * sizeof *R->tmos);
                if (!R->tmos)
                    die("out of memory");
            }
            R->tmos[R->ntmos++] = f->tmo;
            f->sub = new_sub(f, op->script, f->groups);
            TIDE_AWAIT_CALL_CATCH(f, exec, f->sub, f->rc);
            f->rc = tide_timeout_exit(f->tmo, f->rc);
            for (size_t k = 0; k < R->ntmos; k++)
                if (R->tmos[k] == f->tmo)
                    R->tmos[k] = R->tmos[--R->ntmos];
            tide_timeout_destroy(f->tmo);
            f->tmo = NULL;
            if (f->rc >= 0)
                set_res(f, "%d", (int)f->sub->ret);
            if (finish(f, f->rc, tide_error_message()))
                TIDE_THROW_MSG(f, f->rc, f->msg[0] ? f->msg : NULL);
        } else if (op->code == OP_CALL) {
            f->res[0] = 0;
            f->sub = new_sub(f, op->script, f->groups);
            TIDE_AWAIT_CALL_CATCH(f, exec, f->sub, f->rc);
            if (f->rc >= 0)
                set_res(f, "%d", (int)f->sub->ret);
            if (finish(f, f->rc, tide_error_message()))
                TIDE_THROW_MSG(f, f->rc, f->msg[0] ? f->msg : NULL);
        } else if (op->code == OP_GROUP) {
            f->res[0] = 0;
            f->gn = run_alloc(sizeof *f->gn);
            f->rc = tide_group_create(&f->gn->g);
            if (f->rc < 0)
                die("tide_group_create: %d", f->rc);
            if (R->ngroups == R->gcap) {
                R->gcap = R->gcap ? 2 * R->gcap : 8;
                R->groups = realloc(R->groups, R->gcap * sizeof *R->groups);
                if (!R->groups)
                    die("out of memory");
            }
            R->groups[R->ngroups++] = f->gn->g;
            f->gn->next = f->groups;
            f->sub = new_sub(f, op->script, f->gn);
            TIDE_AWAIT_CALL_CATCH(f, exec, f->sub, f->body_rc);
            TIDE_AWAIT_CATCH(f, tide_group_exit(f->gn->g, f->body_rc), f->rc);
            if (f->rc >= 0) {
                if (f->body_rc >= 0)
                    set_res(f, "%d", (int)f->sub->ret);
                else
                    set_res(f, "-");
            } else if (f->rc == TIDE_EGROUP) {
                size_t ne = tide_group_error_count(f->gn->g);
                for (size_t k = 0; k < ne; k++) {
                    const char *m = NULL;
                    int e = tide_group_error(f->gn->g, k, &m);
                    char es[300];
                    fmt_err(es, sizeof es, e, m);
                    append_res(f, "%s%s", k ? "," : "", es);
                }
            }
            if (finish(f, f->rc, tide_error_message()))
                TIDE_THROW_MSG(f, f->rc, f->msg[0] ? f->msg : NULL);
        } else if (op->code == OP_RAISE) {
            f->rc = TIDE_EUSER - op->ival;
            const char *m = strcmp(op->arg[1], "-") ? op->arg[1] : NULL;
            if (finish(f, f->rc, m))
                TIDE_THROW_MSG(f, f->rc, m);
        } else if (op->code == OP_RETURN) {
            f->ret = op->ival;
            finish(f, 0, NULL);
            break;
        } else if (op->code == OP_ACQUIRE) {
            AWAIT_OP(f, tide_lock_acquire(h), (void)0);
        } else if (op->code == OP_RELEASE) {
            SYNC_OP(f, tide_lock_release(h));
        } else if (op->code == OP_LOCKED) {
            set_res(f, "%d", R->P->objs[op->obj].kind == K_LOCK
                                 ? tide_lock_is_locked(h)
                                 : tide_cond_is_locked(h));
            SYNC_OP(f, 0);
        } else if (op->code == OP_SET) {
            tide_event_set(h);
            SYNC_OP(f, 0);
        } else if (op->code == OP_CLEAR) {
            tide_event_clear(h);
            SYNC_OP(f, 0);
        } else if (op->code == OP_IS_SET) {
            set_res(f, "%d", tide_event_is_set(h));
            SYNC_OP(f, 0);
        } else if (op->code == OP_EWAIT) {
            AWAIT_OP(f, tide_event_wait(h), (void)0);
        } else if (op->code == OP_CACQUIRE) {
            AWAIT_OP(f, tide_cond_acquire(h), (void)0);
        } else if (op->code == OP_CRELEASE) {
            SYNC_OP(f, tide_cond_release(h));
        } else if (op->code == OP_CWAIT) {
            AWAIT_OP(f, tide_cond_wait(h), (void)0);
        } else if (op->code == OP_NOTIFY) {
            SYNC_OP(f, tide_cond_notify(h, (size_t)op->ival));
        } else if (op->code == OP_NOTIFY_ALL) {
            SYNC_OP(f, tide_cond_notify_all(h));
        } else if (op->code == OP_SACQUIRE) {
            AWAIT_OP(f, tide_sem_acquire(h), (void)0);
        } else if (op->code == OP_SRELEASE) {
            SYNC_OP(f, tide_sem_release(h));
        } else if (op->code == OP_SVALUE) {
            set_res(f, "%d", tide_sem_value(h));
            SYNC_OP(f, 0);
        } else if (op->code == OP_SLOCKED) {
            set_res(f, "%d", tide_sem_is_locked(h));
            SYNC_OP(f, 0);
        } else if (op->code == OP_BWAIT) {
            AWAIT_OP(f, tide_barrier_wait(h, &f->index),
                     set_res(f, "%d", f->index));
        } else if (op->code == OP_RESET) {
            SYNC_OP(f, tide_barrier_reset(h));
        } else if (op->code == OP_ABORT) {
            SYNC_OP(f, tide_barrier_abort(h));
        } else if (op->code == OP_BSTATE) {
            set_res(f, "%d/%d", tide_barrier_waiter_count(h),
                    tide_barrier_is_broken(h));
            SYNC_OP(f, 0);
        } else if (op->code == OP_PUT) {
            AWAIT_OP(f, tide_queue_put(h, IV(OP(f)->ival)), (void)0);
        } else if (op->code == OP_GET) {
            AWAIT_OP(f, tide_queue_get(h, &f->item),
                     set_res(f, "%d", VI(f->item)));
        } else if (op->code == OP_PUT_NOWAIT) {
            SYNC_OP(f, tide_queue_put_nowait(h, IV(op->ival)));
        } else if (op->code == OP_GET_NOWAIT) {
            f->rc = tide_queue_get_nowait(h, &f->item);
            if (f->rc >= 0)
                set_res(f, "%d", VI(f->item));
            SYNC_OP(f, f->rc);
        } else if (op->code == OP_TASK_DONE) {
            SYNC_OP(f, tide_queue_task_done(h));
        } else if (op->code == OP_QJOIN) {
            AWAIT_OP(f, tide_queue_join(h), (void)0);
        } else if (op->code == OP_SHUTDOWN) {
            SYNC_OP(f, tide_queue_shutdown(h, op->ival));
        } else if (op->code == OP_QSIZE) {
            set_res(f, "%zu", tide_queue_size(h));
            SYNC_OP(f, 0);
        } else {
            die("op %d not implemented", op->code);
        }
    }
    TIDE_RETURN(f, f->ret);
    TIDE_FINALLY(f);
    if (f->top) {
        if (TIDE_ERROR(f) < 0) {
            char e[300];
            fmt_err(e, sizeof e, TIDE_ERROR(f), TIDE_ERROR_MESSAGE(f));
            emit("%s %s END -> err %s", now(), f->who, e);
        } else
            emit("%s %s END -> ok %d", now(), f->who, (int)f->ret);
    }
    TIDE_END(f);
}

/* ---- the main task: the main script, then a deterministic cleanup ------- */

struct pmain {
    TIDE_FRAME;
    struct exec *sub;
    int rc;
    int k;
    void *val;
};

static void make_objects(void)
{
    struct prog *P = R->P;
    for (int i = 0; i < P->nobjs; i++) {
        struct obj *o = &P->objs[i];
        int rc = 0;
        switch (o->kind) {
        case K_LOCK:
            rc = tide_lock_create(NULL, (tide_lock **)&o->h);
            break;
        case K_EVENT:
            rc = tide_event_create(NULL, (tide_event **)&o->h);
            break;
        case K_COND:
            rc = tide_cond_create(NULL, o->lock >= 0 ? P->objs[o->lock].h : NULL,
                                  (tide_cond **)&o->h);
            break;
        case K_SEM:
            rc = tide_sem_create(NULL, o->arg1, o->arg2, (tide_sem **)&o->h);
            break;
        case K_BARRIER:
            rc = tide_barrier_create(NULL, o->arg1, (tide_barrier **)&o->h);
            break;
        case K_QUEUE:
            rc = tide_queue_create(NULL, o->qkind, (size_t)o->arg1, cmp_items,
                                   (tide_queue **)&o->h);
            break;
        }
        if (rc < 0)
            die("creating %s: %d", o->name, rc);
    }
}

static void final_states(void)
{
    struct prog *P = R->P;
    for (int k = 0; k < R->norder; k++) {
        char s[300];
        fmt_state(s, sizeof s, R->tasks[R->order[k]]);
        emit("final %s %s", P->tnames[R->order[k]], s);
    }
    for (int i = 0; i < P->nobjs; i++) {
        struct obj *o = &P->objs[i];
        void *h = o->h;
        switch (o->kind) {
        case K_LOCK:
            emit("final %s locked=%d", o->name, tide_lock_is_locked(h));
            break;
        case K_COND:
            emit("final %s locked=%d", o->name, tide_cond_is_locked(h));
            break;
        case K_EVENT:
            emit("final %s set=%d", o->name, tide_event_is_set(h));
            break;
        case K_SEM:
            emit("final %s value=%d locked=%d", o->name, tide_sem_value(h),
                 tide_sem_is_locked(h));
            break;
        case K_BARRIER:
            emit("final %s n_waiting=%d broken=%d", o->name,
                 tide_barrier_waiter_count(h), tide_barrier_is_broken(h));
            break;
        case K_QUEUE: {
            char buf[2048] = "";
            size_t len = 0;
            void *item;
            while (tide_queue_get_nowait(h, &item) == 0 && len < sizeof buf - 16)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d",
                                        len ? "," : "", VI(item));
            emit("final %s items=[%s]", o->name, buf);
            break;
        }
        }
    }
}

static tide_status pmain(void *frame)
{
    struct pmain *m = frame;
    TIDE_BEGIN(m);
    make_objects();
    m->sub = run_alloc(sizeof *m->sub);
    m->sub->script = find_script(R->P, "main");
    m->sub->who = "main";
    TIDE_AWAIT_CALL_CATCH(m, exec, m->sub, m->rc);
    if (m->rc < 0) {
        char e[300];
        fmt_err(e, sizeof e, m->rc, tide_error_message());
        emit("%s main END -> err %s", now(), e);
    } else
        emit("%s main END -> ok %d", now(), (int)m->sub->ret);
    /* The cleanup must run whatever main's script did to main (a
     * cancellation of itself not yet delivered, one swallowed): take every
     * request back; reaching 0 drops an undelivered one too. */
    while (tide_task_uncancel(tide_current_task()) > 0)
        ;
    /* Cleanup: cancel what is pending in creation order, await each; again
     * while the cleanup spawned more. */
    for (;;) {
        R->npending = 0;
        for (int k = 0; k < R->norder; k++)
            if (!tide_task_is_done(R->tasks[R->order[k]]))
                R->pending[R->npending++] = R->order[k];
        if (R->npending == 0)
            break;
        for (int k = 0; k < R->npending; k++)
            emit("%s main cleanup cancel %s -> ok %d", now(),
                 R->P->tnames[R->pending[k]],
                 tide_task_cancel(R->tasks[R->pending[k]], "end"));
        for (m->k = 0; m->k < R->npending; m->k++) {
            TIDE_AWAIT_CATCH(m, tide_join(R->tasks[R->pending[m->k]], &m->val),
                             m->rc);
            if (m->rc < 0) {
                char e[300];
                fmt_err(e, sizeof e, m->rc, tide_error_message());
                emit("%s main cleanup join %s -> err %s", now(),
                     R->P->tnames[R->pending[m->k]], e);
            } else
                emit("%s main cleanup join %s -> ok %d", now(),
                     R->P->tnames[R->pending[m->k]], VI(m->val));
        }
    }
    final_states();
    TIDE_END(m);
}

/* ---- running programs one after another, on any host -------------------- */

static char **programs;
static int nprograms, next_program;
static int in_sync_run, exited;

static void on_deadlock(tide_loop *loop, int kind, const char *text,
                        tide_task *task, void *arg)
{
    (void)task;
    (void)arg;
    (void)text;
    if (kind == TIDE_DEBUG_DEADLOCK && !R->muted) {
        printf("%.9g DEADLOCK\n", tide_loop_time(loop));
        R->muted = 1;
    }
}

static void on_exception(tide_loop *loop, const char *context, int err,
                         const char *message, tide_task *task, void *arg)
{
    /* CPython's twin ignores these too (its handler does nothing) */
    (void)loop, (void)context, (void)err, (void)message, (void)task, (void)arg;
}

static void run_next(void);

static void on_exit_cb(tide_loop *loop, tide_task *main, int err, void *arg)
{
    (void)main;
    (void)arg;
    (void)err;
    exited = 1;
    struct prog *P = R->P;
    /* Groups: while the loop exists. One whose owner never left
     * tide_group_exit stays busy (see tracking_alloc). */
    int busy = 0;
    for (size_t i = 0; i < R->ntmos; i++)
        tide_timeout_destroy(R->tmos[i]);
    for (size_t i = 0; i < R->ngroups; i++)
        if (tide_group_destroy(R->groups[i]) < 0)
            busy++;
    for (int i = 0; i < P->ntnames; i++)
        tide_task_release(R->tasks[i]);
    tide_loop_destroy(loop);
    /* primitives may outlive their loop; after it, no task waits on them */
    for (int i = P->nobjs - 1; i >= 0; i--) {
        void *h = P->objs[i].h;
        int rc = 0;
        switch (P->objs[i].kind) {
        case K_LOCK: rc = tide_lock_destroy(h); break;
        case K_EVENT: rc = tide_event_destroy(h); break;
        case K_COND: rc = tide_cond_destroy(h); break;
        case K_SEM: rc = tide_sem_destroy(h); break;
        case K_BARRIER: rc = tide_barrier_destroy(h); break;
        case K_QUEUE: rc = tide_queue_destroy(h); break;
        }
        if (rc < 0)
            fprintf(stderr, "interp: destroying %s: %s\n", P->objs[i].name,
                    tide_strerror(rc));
    }
    /* Everything Tide took must be back, unless a busy group holds some. */
    if (live_bytes && !busy)
        printf("LEAK %zu bytes\n", live_bytes);
    free_all_blocks();
    for (size_t i = 0; i < R->nallocs; i++)
        free(R->allocs[i]);
    free(R->allocs);
    free(R->groups);
    free(R->tmos);
    free(R->tasks);
    free(R->order);
    free(R->pending);
    prog_free(P);
    free(R);
    R = NULL;
    fflush(stdout);
    if (!in_sync_run)
        run_next();
}

/* Starts the next program; returns 1 if it finishes later (guest host). */
static int start(void)
{
    R = xcalloc(1, sizeof *R);
    R->P = parse(programs[next_program]);
    printf("=== prog %d\n", next_program);
    next_program++;
    R->tasks = xcalloc((size_t)R->P->ntnames, sizeof *R->tasks);
    R->order = xcalloc((size_t)R->P->ntnames, sizeof *R->order);
    R->pending = xcalloc((size_t)R->P->ntnames, sizeof *R->pending);
    if (tide_loop_create(tracking_alloc, NULL, &R->loop) < 0)
        die("tide_loop_create");
    tide_loop_set_virtual_clock(R->loop, 1);
    tide_loop_set_exit_handler(R->loop, on_exit_cb, NULL);
    tide_loop_set_debug_handler(R->loop, on_deadlock, NULL);
    tide_loop_set_exception_handler(R->loop, on_exception, NULL);
    struct pmain m;
    memset(&m, 0, sizeof m);
    exited = 0;
    in_sync_run = 1;
    int rc = tide_loop_run(R->loop, pmain, &m, sizeof m, NULL);
    in_sync_run = 0;
    if (rc == TIDE_EINPROGRESS)
        return 1;
    if (!exited)
        die("tide_loop_run: %s", tide_strerror(rc));
    return 0;
}

static void run_next(void)
{
    while (next_program < nprograms)
        if (start())
            return;
    printf("=== done\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    programs = argv + 1;
    nprograms = argc - 1;
    run_next();
    return 0;
}
