"""The other process of the latency run: subscribes to an evbus stream and
records, per event id, when its callback started (time.monotonic_ns, the
same clock across processes). Prints 'ready' once subscribed, then, after
`count` events or `timeout` seconds, one JSON line {id: ns}.

    latency_subscriber.py SID ROOT COUNT CPU WAIT_STRATEGY DISPATCH
"""

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
    clock = time.monotonic_ns

    def on_event(event):
        received[event['id']] = clock()
        if len(received) >= count:
            done.set()

    stream = evbus.EventStream(sid, root, wait_strategy=wait_strategy, callback_dispatch=dispatch)
    stream.subscribe(evbus.EventStreamSubscriber.MAIN, on_event, 'latency')
    print('ready', flush=True)
    done.wait(60)
    stream.close()
    print(json.dumps(received), flush=True)


if __name__ == '__main__':
    main()
