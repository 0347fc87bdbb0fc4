// examples.mjs - what the live page knows about each example: the Python
// program it mirrors, and the settings a reader may change. The settings
// are passed to the C program as name=value arguments (examples/params.h)
// with the tutorial's values as defaults, and kept in the page's URL as
// <example>.<name>=<value>.
//
// A setting: { name, label, value (the default), min, max, step } for a
// number, or { name, label, value, options: [[value, text], ...] } for a
// choice. `api: true` marks settings of the fake API rather than of the
// program (http_client).

const num = (name, label, value, min, max, step = 'any') => ({ name, label, value, min, max, step });

export const EXAMPLES = {
  tasks: {
    title: 'Tasks',
    params: [
      num('delay_a', 'A sleeps (s)', 3, 0, 60, 0.1),
      num('delay_b', 'B sleeps (s)', 1, 0, 60, 0.1),
      num('delay_c', 'C sleeps (s)', 2, 0, 60, 0.1),
    ],
    python: `import asyncio

async def worker(name: str, delay: float) -> str:
    print(f"{name} started")
    await asyncio.sleep(delay)
    print(f"{name} finished")
    return f"{name} result"

async def main():
    # create_task schedules each worker; it first runs
    # when main() gives the loop a turn (at the gather)
    a = asyncio.create_task(worker("A", 3), name="worker-A")
    b = asyncio.create_task(worker("B", 1), name="worker-B")
    c = asyncio.create_task(worker("C", 2), name="worker-C")
    print("Tasks are running...")
    # results come back in argument order
    print(await asyncio.gather(a, b, c))

asyncio.run(main())`,
  },

  inspect: {
    title: 'Task inspection',
    params: [
      num('delay', 'worker sleeps (s)', 2, 0, 60, 0.1),
      num('peek', 'main looks again after (s)', 1, 0, 60, 0.1),
    ],
    python: `async def main():
    task = asyncio.create_task(worker("A", 2))
    print(task.get_name())     # Task-2: main itself is Task-1
    print(task.done())         # False
    print(task.cancelled())    # False

    await asyncio.sleep(1)
    print(task.done())         # False: A sleeps for 2 s

    await task
    print(task.done())         # True
    print(task.result())       # A result

asyncio.run(main())`,
  },

  cancel: {
    title: 'Cancellation',
    params: [
      num('work', 'long task sleeps (s)', 10, 0, 60, 0.5),
      num('after', 'cancel after (s)', 2, 0, 60, 0.5),
      { name: 'swallow', label: 'the task', value: '0', options: [['0', 're-raises (right)'], ['1', 'swallows it (wrong)']] },
    ],
    python: `import asyncio

async def long_task() -> None:
    try:
        print("Long task started")
        await asyncio.sleep(10)
        print("Long task done")
    except asyncio.CancelledError:
        print("Long task was cancelled — cleaning up")
        raise          # let the cancellation go on

async def main():
    task = asyncio.create_task(long_task())
    await asyncio.sleep(2)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("Task cancelled successfully")

asyncio.run(main())`,
  },

  taskgroup: {
    title: 'TaskGroup',
    params: [
      num('database', 'database takes (s)', 2, 0, 60, 0.1),
      num('api', 'API takes (s)', 1, 0, 60, 0.1),
      num('cache', 'cache takes (s)', 0.5, 0, 60, 0.1),
      { name: 'fail', label: 'make one fail', value: '', options: [['', 'none'], ['database', 'database'], ['API', 'API'], ['cache', 'cache']] },
    ],
    python: `import asyncio

async def fetch(name: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return f"Data from {name}"

async def main():
    async with asyncio.TaskGroup() as tg:
        db = tg.create_task(fetch("database", 2))
        api = tg.create_task(fetch("API", 1))
        cache = tg.create_task(fetch("cache", 0.5))
    # leaving the block waited for all three
    print(db.result())
    print(api.result())
    print(cache.result())

asyncio.run(main())`,
  },

  queue: {
    title: 'Queue',
    params: [
      num('items', 'items produced', 8, 0, 200, 1),
      num('maxsize', 'maxsize', 5, 0, 1000, 1),
      num('consumers', 'consumers', 2, 1, 26, 1),
    ],
    python: `import asyncio, random

async def producer(queue: asyncio.Queue, n: int) -> None:
    for i in range(n):
        item = f"item-{i}"
        await queue.put(item)          # waits while the queue is full
        print(f"Produced: {item}")
        await asyncio.sleep(random.uniform(0.1, 0.5))
    await queue.put(None)              # tells the consumers to stop

async def consumer(queue: asyncio.Queue, name: str) -> None:
    while True:
        item = await queue.get()       # waits while it is empty
        if item is None:
            await queue.put(None)      # leave it for the next consumer
            break
        print(f"  {name} consumed: {item}")
        await asyncio.sleep(random.uniform(0.2, 0.8))
        queue.task_done()

async def main():
    queue = asyncio.Queue(maxsize=5)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(producer(queue, 8))
        tg.create_task(consumer(queue, "Consumer-A"))
        tg.create_task(consumer(queue, "Consumer-B"))

asyncio.run(main())`,
  },

  queue_methods: {
    title: 'Queue methods',
    params: [],
    python: `queue = asyncio.Queue(maxsize=10)

await queue.put(item)        # waits while the queue is full
queue.put_nowait(item)       # QueueFull instead of waiting

item = await queue.get()     # waits while it is empty
item = queue.get_nowait()    # QueueEmpty instead of waiting

queue.task_done()            # one item taken earlier is finished
await queue.join()           # waits until every item is finished

queue.qsize(), queue.empty(), queue.full()`,
  },

  lock: {
    title: 'Lock',
    params: [
      num('tasks', 'tasks', 5, 1, 50, 1),
      num('work', 'work inside (s)', 0.1, 0, 10, 0.05),
      { name: 'use_lock', label: 'lock', value: '1', options: [['1', 'used'], ['0', 'left out']] },
    ],
    python: `import asyncio

lock = asyncio.Lock()
shared_counter = 0

async def increment(name: str) -> None:
    global shared_counter
    async with lock:
        current = shared_counter
        await asyncio.sleep(0.1)       # other tasks run meanwhile
        shared_counter = current + 1
        print(f"{name}: counter is now {shared_counter}")

async def main():
    await asyncio.gather(*(increment(f"Task-{i}") for i in range(5)))
    print(f"Final counter: {shared_counter}")

asyncio.run(main())`,
  },

  semaphore: {
    title: 'Semaphore',
    params: [
      num('urls', 'URLs', 10, 1, 100, 1),
      num('limit', 'at most at once', 3, 1, 100, 1),
      num('delay', 'one fetch takes (s)', 1, 0, 60, 0.1),
    ],
    python: `import asyncio, time

async def fetch_with_limit(semaphore: asyncio.Semaphore, url: str) -> str:
    async with semaphore:              # at most 3 inside at once
        print(f"Fetching {url}")
        await asyncio.sleep(1)         # stands in for the request
        return f"Data from {url}"

async def main():
    urls = [f"https://api.example.com/item/{i}" for i in range(10)]
    semaphore = asyncio.Semaphore(3)
    start = time.time()
    results = await asyncio.gather(
        *(fetch_with_limit(semaphore, url) for url in urls))
    print(f"\\nFetched {len(results)} URLs in {time.time() - start:.1f}s")

asyncio.run(main())`,
  },

  event: {
    title: 'Event',
    params: [
      num('workers', 'waiting workers', 3, 1, 26, 1),
      num('delay', 'signal after (s)', 2, 0, 60, 0.1),
    ],
    python: `import asyncio

async def waiter(event: asyncio.Event, name: str) -> None:
    print(f"{name} waiting for signal...")
    await event.wait()
    print(f"{name} received signal — proceeding")

async def trigger(event: asyncio.Event) -> None:
    print("Preparing...")
    await asyncio.sleep(2)
    print("Sending signal!")
    event.set()                        # wakes every waiter

async def main():
    event = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        for name in ("Worker A", "Worker B", "Worker C"):
            tg.create_task(waiter(event, name))
        tg.create_task(trigger(event))

asyncio.run(main())`,
  },

  to_thread: {
    title: 'to_thread',
    params: [],
    python: `import asyncio, time

def blocking_operation(n: int) -> int:
    time.sleep(2)                      # blocks whatever thread runs it
    return n * 2

async def main():
    result = await asyncio.to_thread(blocking_operation, 21)
    print(result)                      # 42

asyncio.run(main())`,
  },

  http_client: {
    title: 'Rate-limited client',
    realOnly: true, // requests take real time: the virtual clock would time them out
    params: [
      num('count', 'posts', 10, 1, 100, 1),
      num('concurrent', 'requests at once', 5, 1, 100, 1),
      num('timeout', 'timeout per attempt (s)', 10, 0.1, 600, 0.5),
      num('retries', 'attempts per post', 3, 1, 10, 1),
      num('backoff', 'backoff unit (s)', 1, 0, 60, 0.05),
      { ...num('fail', 'API failure rate', 0.2, 0, 1, 0.05), api: true },
      { ...num('hang', 'API hang rate', 0, 0, 1, 0.05), api: true },
      { ...num('delay', 'API delay (s)', 0.2, 0, 30, 0.05), api: true },
      { ...num('seed', 'API seed', 1, 0, 1e9, 1), api: true },
    ],
    python: `import asyncio, time
import aiohttp

MAX_CONCURRENT, TIMEOUT_SECONDS, MAX_RETRIES = 5, 10, 3

async def fetch_with_retry(session, semaphore, url):
    for attempt in range(1, MAX_RETRIES + 1):
        try:
            async with semaphore:
                async with asyncio.timeout(TIMEOUT_SECONDS):
                    async with session.get(url) as response:
                        response.raise_for_status()
                        return await response.json()
        except aiohttp.ClientError as e:
            print(f"Attempt {attempt}/{MAX_RETRIES} failed for {url}: {e}")
            if attempt < MAX_RETRIES:
                await asyncio.sleep(2 ** attempt)      # 2 s, then 4 s
        except TimeoutError:
            print(f"Timeout on attempt {attempt} for {url}")
    return None                                        # given up

async def fetch_all(urls):
    semaphore = asyncio.Semaphore(MAX_CONCURRENT)
    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(
            *(fetch_with_retry(session, semaphore, u) for u in urls))

async def main():
    urls = [f"https://api.example.com/posts/{i}" for i in range(1, 11)]
    start = time.time()
    results = await fetch_all(urls)
    ok = [r for r in results if r is not None]
    print(f"Fetched {len(ok)}/{len(urls)} successfully in {time.time() - start:.2f}s")
    for post in ok[:3]:
        print(f"  Post {post['id']}: {post['title'][:40]}")

asyncio.run(main())`,
  },

  churn: {
    title: '100,000 tasks',
    params: [
      num('tasks', 'tasks', 100000, 1, 1000000, 1),
      num('wave', 'alive at once', 1000, 1, 10000, 1),
      num('delay', 'each sleeps (s)', 0.01, 0, 1, 0.005),
    ],
    python: `import asyncio, time

async def worker(delay: float) -> None:
    await asyncio.sleep(delay)

async def main(tasks=100_000, wave=1_000, delay=0.01):
    print(f"Churning through {tasks} tasks, {wave} at a time")
    start, started, reported = time.monotonic(), 0, 0
    while started < tasks:
        n = min(wave, tasks - started)
        await asyncio.gather(*(worker(delay) for _ in range(n)))
        started += n
        if started * 10 // tasks > reported:
            reported = started * 10 // tasks
            print(f"  {started} tasks finished")
    print(f"All {tasks} tasks finished in "
          f"{time.monotonic() - start:.2f} s of loop time")

asyncio.run(main())`,
  },
};

/** The program's arguments for the given values (name=value words). */
export function programArgs(name, values, context = {}) {
  const ex = EXAMPLES[name];
  const args = [];
  const api = [];
  for (const p of ex.params) {
    const v = values[p.name] ?? p.value;
    // (the fake API's defaults are the page's: only changes go in the URL)
    if (p.api) {
      if (String(v) !== String(p.value)) api.push(`${p.name}=${encodeURIComponent(v)}`);
    } else if (v !== '' && v !== undefined) args.push(`${p.name}=${v}`);
  }
  if (name === 'http_client') {
    // The fake API of web/dev/serve.mjs, on the page's own origin. `run`
    // scopes its attempt counts to this run (see web/dev/fake-api.mjs).
    api.push(`run=${context.runId ?? 'x'}`);
    args.unshift(`base=/api/posts?${api.join('&')}`);
  }
  return args;
}
