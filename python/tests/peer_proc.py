"""A Python process on a stream, for test_processes.py.

peer_proc.py SID ROOT NAME COUNT TOTAL SECRET SET: opens the stream (sets
SECRET as the stream's secret when SET is 1), subscribes, prints 'ready',
waits for a line on stdin, adds COUNT events whose content holds NAME and SECRET,
waits until its callback saw TOTAL events, prints them as JSON and exits
without closing (the atexit hook closes).
"""

import json
import sys
import time

import evbus

sid, root, name, count, total, secret, set_secret = sys.argv[1:8]
count, total = int(count), int(total)
stream = evbus.EventStream(sid, root, capacity=1 << 20, max_event_size=1 << 16, index_slots=1 << 12)
if set_secret == '1':
    stream.set_secrets({'token': secret})
seen = []
stream.subscribe(evbus.EventStreamSubscriber.RUNTIME, seen.append, name, start_id=0)
print('ready', flush=True)
sys.stdin.readline()
for i in range(count):
    stream.add_event({'action': 'message', 'args': {'content': f'{name} {i} {secret}'}},
                     evbus.EventSource.AGENT)
deadline = time.monotonic() + 20
while len(seen) < total and time.monotonic() < deadline:
    time.sleep(0.005)
print(json.dumps([[e['id'], e['args']['content']] for e in seen]), flush=True)
