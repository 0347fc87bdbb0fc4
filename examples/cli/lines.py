"""lines.py - the asyncio twin of lines.c: reads lines from stdin and works
on each with bounded concurrency and a timeout per line, while a timer task
reports progress on stderr; a summary at the end.

    printf 'one\\ntwo words\\n' | python3 examples/cli/lines.py workers=3

Settings as name=value words: workers=3, timeout=1, per_word=0.1, every=1,
limit=65536 (lines.c takes the same ones).
"""
import asyncio
import sys


def setting(name, default):
    for word in reversed(sys.argv[1:]):
        if word.startswith(name + "="):
            return type(default)(word.split("=", 1)[1])
    return default


class Shared:
    def __init__(self, queue, timeout, per_word):
        self.queue, self.timeout, self.per_word = queue, timeout, per_word
        self.read = self.done = self.timed_out = self.too_long = self.words = 0


async def work(seconds):
    await asyncio.sleep(seconds)  # a stand-in for a request about the line


async def worker(s):
    while True:
        try:
            number, text = await s.queue.get()
        except asyncio.QueueShutDown:
            break  # no more lines
        words = len(text.split())
        try:
            async with asyncio.timeout(s.timeout):
                await work(words * s.per_word)
        except TimeoutError:
            s.timed_out += 1
            print(f"line {number}: timed out after {s.timeout:.1f} s", flush=True)
        else:
            s.done += 1
            s.words += words
            plural = "" if words == 1 else "s"
            print(f"line {number}: {words} word{plural}, {len(text)} bytes", flush=True)
        s.queue.task_done()


async def progress(s, every):
    while True:
        await asyncio.sleep(every)
        finished = s.done + s.timed_out + s.too_long
        print(f"progress: {s.read} lines read, {finished} done, "
              f"{s.read - finished} waiting or in work", file=sys.stderr, flush=True)


async def main():
    workers = setting("workers", 3)
    limit = setting("limit", 65536)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    s = Shared(asyncio.Queue(2 * workers), setting("timeout", 1.0), setting("per_word", 0.1))
    pool = [asyncio.create_task(worker(s)) for _ in range(workers)]
    ticker = asyncio.create_task(progress(s, setting("every", 1.0)))
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # longer than the limit: skipped
            s.read += 1
            s.too_long += 1
            print(f"line {s.read}: longer than {limit} bytes, skipped", flush=True)
            continue
        if not line:
            break  # the end of the input
        s.read += 1
        await s.queue.put((s.read, line.rstrip(b"\n")))
    s.queue.shutdown()  # the workers finish what is queued, then stop
    await asyncio.gather(*pool)
    ticker.cancel()
    print(f"{s.read} lines: {s.done} done, {s.timed_out} timed out, "
          f"{s.too_long} too long; {s.words} words")


asyncio.run(main())
