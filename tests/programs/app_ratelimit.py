# app_ratelimit.py - the Python twin of app_ratelimit.c (which see), run on
# CPython 3.13 with a virtual clock by tests/js/apps.test.mjs.
import asyncio
from apps_vloop import run, now

RATE, CAPACITY = 2, 3

def refill(bucket, loop, state):
    try:
        bucket.release()  # one more token
    except ValueError:
        pass  # the bucket is full
    state['handle'] = loop.call_later(1 / RATE, refill, bucket, loop, state)

async def request(bucket, name):
    await bucket.acquire()  # take a token
    print(f"{now():.2f} {name} sent")

async def burst(bucket, at, n, tag):
    await asyncio.sleep(at)
    print(f"{now():.2f} burst {tag} of {n}")
    async with asyncio.TaskGroup() as tg:
        for i in range(n):
            tg.create_task(request(bucket, f"{tag}{i}"))

async def main():
    loop = asyncio.get_running_loop()
    bucket = asyncio.BoundedSemaphore(CAPACITY)
    state = {}
    state['handle'] = loop.call_later(1 / RATE, refill, bucket, loop, state)
    bursts = [asyncio.create_task(burst(bucket, at, n, tag))
              for at, n, tag in [(0, 6, 'a'), (2.6, 3, 'b'), (4.1, 5, 'c')]]
    await asyncio.gather(*bursts)
    state['handle'].cancel()
    print(f"{now():.2f} done, {bucket._value} tokens left")

run(main())
