"""Events of any size (docs/shm_layout.md, section 13): a 10 MB event added
through evbus.EventStream goes to a body file beside the ring and comes back
whole, to a subscriber and from get_event, like a small one."""

import threading

import evbus
from helpers import wait_until

TEN_MB = 10 * 1000 * 1000


def test_a_10mb_event_is_added_and_read_back(open_stream):
    stream = open_stream()  # max_event_size 64 KiB: far below the event
    content = ''.join(chr(ord('a') + i % 26) for i in range(1000)) * (TEN_MB // 1000)
    seen = []
    lock = threading.Lock()

    def on_event(event):
        with lock:
            seen.append(event)

    stream.subscribe(evbus.EventStreamSubscriber.TEST, on_event, 'big')
    big_id = stream.add_event({'observation': 'run', 'content': content,
                               'extras': {'command': 'cat big.txt', 'exit_code': 0}}, 'environment')
    small_id = stream.add_event({'action': 'message', 'args': {'content': 'after'}}, 'user')
    assert (big_id, small_id) == (0, 1)
    wait_until(lambda: len(seen) == 2, what='both events delivered')
    assert seen[0]['id'] == 0 and seen[0]['content'] == content
    assert seen[1]['id'] == 1
    back = stream.get_event(big_id)
    assert back['content'] == content
    assert back['observation'] == 'run'
