// fake-api.mjs - the small, unreliable JSON API that the rate-limited client
// example fetches from on the live page. web/dev/serve.mjs answers /api/ with
// it, so the example talks to the page's own origin and never to the
// internet.
//
//   GET /api/posts/N?fail=0.2&hang=0&delay=0.2&seed=1&run=ID
//
// (the values shown are the defaults, used for what a request leaves out;
// a value out of its range, a setting not listed here, or one given twice,
// gets a 400)
//
//   fail   chance (0..1) that an attempt gets "500 Internal Server Error"
//   hang   chance (0..1) that an attempt never gets an answer (the
//          client's timeout has to end it)
//   delay  seconds before an answer, on average (each attempt waits
//          between half and one and a half times this)
//   seed   picks which attempts fail: the same seed, the same failures
//   run    names one run of the client; attempts are counted per run and
//          post, so attempt k of post N always meets the same fate and a
//          run can be reproduced from its settings alone
//
// outcome() is exported so tests can predict what the client will print.

/** The settings a request leaves out (the live page's defaults). */
export const DEFAULTS = Object.freeze({ fail: 0.2, hang: 0, delay: 0.2, seed: 1 });

const MAX_POST = 1000;
const MAX_RUNS = 200; // runs whose attempt counts are remembered
const MAX_DELAY = 30; // seconds

// A number in [0, 1) from four small integers (a splitmix-style mixer):
// cheap, stateless and the same on every machine.
function unit(seed, post, attempt, salt) {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(post, 0x85ebca77) ^
    Math.imul(attempt, 0xc2b2ae3d) ^ Math.imul(salt, 0x27d4eb2f)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296;
}

/** What attempt `attempt` (1, 2, ...) at post `post` meets: 'hang', 'fail' or 'ok'. */
export function outcome({ seed = DEFAULTS.seed, fail = DEFAULTS.fail, hang = DEFAULTS.hang }, post, attempt) {
  if (unit(seed, post, attempt, 1) < hang) return 'hang';
  if (unit(seed, post, attempt, 2) < fail) return 'fail';
  return 'ok';
}

/** Seconds the server waits before answering that attempt. */
export function latency({ seed = DEFAULTS.seed, delay = DEFAULTS.delay }, post, attempt) {
  return delay * (0.5 + unit(seed, post, attempt, 3));
}

const TOPICS = ['tasks', 'timers', 'queues', 'locks', 'semaphores', 'events', 'cancellation',
  'task groups', 'timeouts', 'threads', 'the event loop', 'gather'];
const FORMS = [
  (t, n) => `What happens to ${t} when a program is cancelled, part ${n}`,
  (t, n) => `Field notes on ${t} (${n})`,
  (t, n) => `${n} things we learned while porting ${t} to C`,
  (t, n) => `Why ${t} behave the way they do in CPython, issue ${n}`,
];

/** The title of post n. */
export function postTitle(n) {
  return FORMS[n % FORMS.length](TOPICS[n % TOPICS.length], n);
}

// The settings a query may give: [name, min, max, whole number only].
const SETTINGS = [['fail', 0, 1, false], ['hang', 0, 1, false], ['delay', 0, MAX_DELAY, false],
  ['seed', 0, 2 ** 31 - 1, true]];
const KNOWN = new Set([...SETTINGS.map(([name]) => name), 'run']);

// The settings of a query, its defaults for what it leaves out; or, for a
// value that is no number in range or a name it does not know, why not (a
// request that asked for something else must not get the defaults).
function settingsOf(params) {
  for (const name of params.keys()) {
    if (!KNOWN.has(name)) return { error: `unknown setting ${JSON.stringify(name)} (known: ${[...KNOWN].join(', ')})` };
    // which of two values was meant is anyone's guess
    if (params.getAll(name).length > 1) return { error: `${name} given more than once` };
  }
  const settings = { ...DEFAULTS };
  for (const [name, min, max, whole] of SETTINGS) {
    const s = params.get(name);
    if (s === null) continue;
    const v = s.trim() === '' ? NaN : Number(s);
    if (!(v >= min && v <= max) || (whole && !Number.isInteger(v)))
      return { error: `${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, not ${JSON.stringify(s)}` };
    settings[name] = v;
  }
  return { settings };
}

// run -> Map(post -> attempts so far); the oldest run is forgotten first.
const runs = new Map();

function nextAttempt(run, post) {
  let hits = runs.get(run);
  if (!hits) {
    if (runs.size >= MAX_RUNS) runs.delete(runs.keys().next().value);
    hits = new Map();
    runs.set(run, hits);
  }
  const k = (hits.get(post) ?? 0) + 1;
  hits.set(post, k);
  return k;
}

/**
 * Answers a request under /api/; `headers` go on every response (the
 * server's isolation headers). Returns false for a path it does not know.
 */
export function handleApi(req, res, url, headers) {
  const m = /^\/api\/posts\/(\d{1,4})$/.exec(url.pathname);
  const post = m ? Number(m[1]) : 0;
  if (!m || post < 1 || post > MAX_POST) return false;
  const p = url.searchParams;
  const reply = (status, body, type, attempt) => {
    if (res.destroyed) return;
    res.writeHead(status, {
      ...headers,
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      ...(attempt ? { 'X-Attempt': String(attempt) } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const { settings, error } = settingsOf(p);
  if (error) { // (not an attempt: it counts for no run)
    reply(400, `bad query: ${error}\n`, 'text/plain; charset=utf-8');
    return true;
  }
  const attempt = nextAttempt(p.get('run') ?? '', post);
  const fate = outcome(settings, post, attempt);
  if (fate === 'hang') return true; // the socket stays open until the client gives up
  const timer = setTimeout(() => {
    if (fate === 'fail') reply(500, 'the fake API failed on purpose\n', 'text/plain; charset=utf-8', attempt);
    else
      reply(200, JSON.stringify({ userId: 1 + (post % 10), id: post, title: postTitle(post),
        body: `Post ${post} of the fake API on the Tide page.` }), 'application/json; charset=utf-8', attempt);
  }, latency(settings, post, attempt) * 1000);
  res.on('close', () => clearTimeout(timer)); // the client aborted: nothing to send
  return true;
}
