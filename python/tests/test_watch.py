"""asyncio: stream.watch() gives history then live events, no gap, no duplicate."""

import asyncio
import threading

from evbus import EventStreamSubscriber


def message(i):
    return {'action': 'message', 'args': {'content': f'm{i}'}}


def test_watch_gives_history_then_live_without_blocking_the_loop(stream):
    for i in range(50):
        stream.add_event(message(i), 'user')

    def producer():
        for i in range(50, 100):
            stream.add_event(message(i), 'agent')

    async def main():
        ticks = 0
        stop = asyncio.Event()

        async def ticker():  # runs only if the loop is never blocked for long
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        tick_task = asyncio.create_task(ticker())
        seen = []
        watcher = stream.watch(start_id=0)
        thread = None
        async for event in watcher:
            seen.append(event['id'])
            if event['id'] == 10:
                thread = threading.Thread(target=producer)
                thread.start()
            if len(seen) == 100:
                break
        await watcher.aclose()
        stop.set()
        await tick_task
        thread.join()
        return seen, ticks

    seen, ticks = asyncio.run(asyncio.wait_for(main(), 20))
    assert seen == list(range(100))
    assert ticks > 0
    # closing the iterator unsubscribed it
    assert stream.snapshot()['callbacks'] == []


def test_watch_from_the_middle(stream):
    for i in range(20):
        stream.add_event(message(i), 'user')

    async def main():
        got = []
        async for event in stream.watch(start_id=15, subscriber_id=EventStreamSubscriber.SERVER):
            got.append(event)
            if len(got) == 5:
                break
        return got

    got = asyncio.run(asyncio.wait_for(main(), 20))
    assert [e['id'] for e in got] == [15, 16, 17, 18, 19]
    assert got[0] == stream.get_event(15)


def test_watch_ends_when_the_stream_is_closed(stream):
    stream.add_event(message(0), 'user')

    async def main():
        got = []
        loop = asyncio.get_running_loop()
        async for event in stream.watch():
            got.append(event['id'])
            # close from another thread while the loop waits for the next event
            loop.run_in_executor(None, stream.close)
        return got

    assert asyncio.run(asyncio.wait_for(main(), 20)) == [0]
