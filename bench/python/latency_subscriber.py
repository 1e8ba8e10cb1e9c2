"""The other process of the latency run: subscribes to an evbus stream and
records, per event id, when its callback started (time.monotonic_ns, the
same clock across processes), and for the split of that time the wall clock
then (time.time_ns) and the event's own timestamp (set by the producer's
add_event, before the event is written to the ring) in microseconds since
the epoch. Prints 'ready' once subscribed, then, after `count` events or
`timeout` seconds, one JSON line {id: [monotonic ns, wall ns, timestamp us]}.

    latency_subscriber.py SID ROOT COUNT CPU WAIT_STRATEGY DISPATCH
"""

import datetime
import json
import os
import sys
import threading
import time


def main():
    sid, root, count, cpu, wait_strategy, dispatch = sys.argv[1:7]
    count = int(count)
    os.sched_setaffinity(0, {int(cpu)})
    import evbus

    received = {}
    done = threading.Event()
    clock, wall = time.monotonic_ns, time.time_ns

    def on_event(event):
        received[event['id']] = (clock(), wall(), event['timestamp'])
        if len(received) >= count:
            done.set()

    stream = evbus.EventStream(sid, root, wait_strategy=wait_strategy, callback_dispatch=dispatch)
    stream.subscribe(evbus.EventStreamSubscriber.MAIN, on_event, 'latency')
    print('ready', flush=True)
    done.wait(60)
    stream.close()
    stamp_us = lambda text: round(datetime.datetime.fromisoformat(text).timestamp() * 1e6)  # local time
    print(json.dumps({i: [m, w, stamp_us(t)] for i, (m, w, t) in received.items()}), flush=True)


if __name__ == '__main__':
    main()
