"""subscribe / unsubscribe, failing callbacks, close() from a callback, the GIL."""

import logging
import textwrap
import threading

import pytest

import evbus
from evbus import EventStreamSubscriber as Sub
from helpers import run_python, wait_until


def message(i):
    return {'action': 'message', 'args': {'content': f'm{i}'}}


def test_callbacks_get_every_event_in_id_order(stream):
    seen, other = [], []
    stream.subscribe(Sub.SERVER, lambda e: seen.append(e), 'a')
    stream.subscribe('runtime', lambda e: other.append(e['id']), 'b')
    for i in range(50):
        stream.add_event(message(i), 'agent')
    wait_until(lambda: len(seen) == 50 and len(other) == 50)
    assert [e['id'] for e in seen] == list(range(50)) and other == list(range(50))
    assert seen[7] == stream.get_event(7)


def test_duplicate_callback_id_is_a_value_error(stream):
    stream.subscribe(Sub.TEST, print, 'same')
    with pytest.raises(ValueError, match='same'):
        stream.subscribe(Sub.TEST, print, 'same')
    stream.subscribe(Sub.MAIN, print, 'same')  # another subscriber id: fine
    with pytest.raises(ValueError, match='nobody'):
        stream.subscribe('nobody', print, 'x')
    with pytest.raises(TypeError):
        stream.subscribe(Sub.TEST, 'not callable', 'y')


def test_unsubscribe_stops_delivery_and_unknown_is_a_no_op(stream):
    seen = []
    stream.subscribe(Sub.TEST, lambda e: seen.append(e['id']), 'cb')
    stream.add_event(message(0), 'agent')
    wait_until(lambda: seen == [0])
    stream.unsubscribe(Sub.TEST, 'cb')
    stream.unsubscribe(Sub.TEST, 'never-subscribed')  # logged, no error
    stream.add_event(message(1), 'agent')
    marker = []
    stream.subscribe(Sub.MAIN, lambda e: marker.append(e['id']), 'after')
    stream.add_event(message(2), 'agent')
    wait_until(lambda: marker == [2])
    assert seen == [0]


def test_subscribe_from_a_start_id_replays_then_goes_live(stream):
    for i in range(10):
        stream.add_event(message(i), 'agent')
    seen = []
    stream.subscribe(Sub.TEST, lambda e: seen.append(e['id']), 'past', start_id=4)
    stream.add_event(message(10), 'agent')
    wait_until(lambda: len(seen) == 7)
    assert seen == list(range(4, 11))


def test_a_callback_that_raises_is_logged_counted_and_keeps_receiving(stream, caplog):
    seen = []

    def flaky(event):
        seen.append(event['id'])
        if event['id'] % 2 == 0:
            raise KeyError(f'boom{event["id"]}')

    caplog.set_level(logging.WARNING, logger='evbus')
    stream.subscribe(Sub.AGENT_CONTROLLER, flaky, 'flaky')
    for i in range(10):
        stream.add_event(message(i), 'agent')
    wait_until(lambda: len(seen) == 10)
    assert seen == list(range(10))
    wait_until(lambda: stream.snapshot()['callbacks'][0]['failures'] == 5, what='5 failures')
    text = caplog.text
    assert 'Error in event callback flaky for subscriber agent_controller' in text
    assert 'boom8' in text and 'KeyError' in text


def test_close_from_inside_a_callback_does_not_deadlock(stream):
    calls = []

    def closer(event):
        calls.append(event['id'])
        stream.close()  # returns at once; the stream closes after this callback
        calls.append('returned')

    stream.subscribe(Sub.TEST, closer, 'closer')
    stream.add_event(message(0), 'agent')
    wait_until(lambda: len(calls) == 2, what='close() to return inside the callback')
    assert calls == [0, 'returned']
    # The stream closes on its own: calls refused from the moment the close begins.
    wait_until(lambda: stream.get_latest_event_id() == -1, what='the stream to close')
    with pytest.raises(RuntimeError, match='closed'):
        stream.add_event(message(1), 'agent')
    stream.close()  # from outside: returns once the stream is closed


def test_unsubscribe_and_close_while_a_callback_runs_python_code(stream):
    # The callback needs the GIL to finish; unsubscribe() and close() wait for
    # it, so they must not hold the GIL while they wait.
    entered, release = threading.Event(), threading.Event()

    def slow(event):
        entered.set()
        release.wait(10)
        sum(range(1000))  # Python code after the wait: needs the GIL

    stream.subscribe(Sub.TEST, slow, 'slow')
    stream.add_event(message(0), 'agent')
    assert entered.wait(10)
    threading.Timer(0.05, release.set).start()  # a Python thread: needs the GIL too
    stream.unsubscribe(Sub.TEST, 'slow')
    assert release.is_set()

    entered.clear()
    release.clear()
    stream.subscribe(Sub.TEST, slow, 'slow2')
    stream.add_event(message(1), 'agent')
    assert entered.wait(10)
    threading.Timer(0.05, release.set).start()
    stream.close()
    assert release.is_set()


def test_add_event_from_many_threads_gives_dense_ids(stream):
    seen = []
    stream.subscribe(Sub.TEST, lambda e: seen.append(e['id']), 'all')
    ids, lock = [], threading.Lock()

    def producer():
        for i in range(100):
            got = stream.add_event(message(i), 'agent')
            with lock:
                ids.append(got)

    threads = [threading.Thread(target=producer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids) == list(range(400))
    wait_until(lambda: len(seen) == 400)
    assert seen == list(range(400))


def test_exit_with_open_streams_and_callbacks_is_clean(sid, tmp_path):
    code = textwrap.dedent('''
        import sys, evbus
        s = evbus.EventStream(sys.argv[1], sys.argv[2], capacity=1 << 20, max_event_size=1 << 16, index_slots=1 << 12)
        seen = []
        s.subscribe('test', lambda e: seen.append(e['id']), 'cb')
        for i in range(20):
            s.add_event({'action': 'message', 'args': {'content': str(i)}}, 'agent')
        print(s.metrics_path)
        # exits without close(): callbacks may still be running
    ''')
    done = run_python(code, sid, str(tmp_path), timeout=20)
    assert done.returncode == 0, done.stderr
    assert 'Traceback' not in done.stderr and 'Fatal' not in done.stderr, done.stderr
    metrics_path = done.stdout.strip()
    assert metrics_path and not __import__('os').path.exists(metrics_path), metrics_path
    # The segment is left in a state the next process simply continues.
    again = evbus.EventStream(sid, tmp_path, create_if_missing=False)
    try:
        assert again.get_latest_event_id() == 19
        assert again.add_event(message(20), 'agent') == 20
    finally:
        again.close()


def test_a_callback_may_unsubscribe_itself(stream):
    seen, other, done = [], [], threading.Event()

    def once(event):
        seen.append(event['id'])
        stream.unsubscribe(Sub.TEST, 'once')  # what is queued already is still delivered
        done.set()

    stream.subscribe(Sub.TEST, once, 'once')
    stream.subscribe(Sub.MAIN, lambda e: other.append(e['id']), 'other')
    stream.add_event(message(0), 'agent')
    assert done.wait(20)
    for i in range(1, 5):
        stream.add_event(message(i), 'agent')
    wait_until(lambda: len(other) == 5)
    assert seen == [0]
    stream.close()


DAEMON_ADDERS = textwrap.dedent('''
    import sys, threading, time, evbus
    s = evbus.EventStream(sys.argv[1], sys.argv[2], capacity=1 << 20, max_event_size=1 << 16,
                          index_slots=1 << 12)
    started = threading.Event()

    def add_forever():
        while True:
            try:
                s.add_event({'action': 'message', 'args': {'content': 'x'}}, 'agent')
            except RuntimeError:  # closed by the atexit hook
                pass
            started.set()

    for _ in range(3):
        threading.Thread(target=add_forever, daemon=True).start()
    started.wait()
    time.sleep(0.05)
    # exits while daemon threads are inside add_event, the GIL released
''')


def test_exit_while_daemon_threads_are_inside_add_event(sid, tmp_path):
    for _ in range(2):
        done = run_python(DAEMON_ADDERS, sid, str(tmp_path), timeout=20)
        assert done.returncode == 0, done.stderr  # not an abort from a thread CPython ends
        assert 'terminate' not in done.stderr, done.stderr


FORKER = textwrap.dedent('''
    import os, sys, time, evbus
    s = evbus.EventStream(sys.argv[1], sys.argv[2], capacity=1 << 20, max_event_size=1 << 16,
                          index_slots=1 << 12)
    seen = []
    s.subscribe('test', lambda e: seen.append(e['id']), 'cb')
    s.add_event({'action': 'message', 'args': {'content': 'before'}}, 'agent')
    pid = os.fork()
    if pid == 0:  # the child: the stream's threads did not come along
        try:
            s.add_event({'action': 'message', 'args': {'content': 'child'}}, 'agent')
            print('child added', flush=True)
        except RuntimeError as e:
            print('child refused:', e, flush=True)
        sys.exit(0)  # runs the atexit hook
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, 9)
        print('child hung', flush=True)
        sys.exit(1)
    print('child status', status, flush=True)
    s.add_event({'action': 'message', 'args': {'content': 'after'}}, 'agent')
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    print('parent saw', seen, flush=True)
''')


def test_a_forked_child_neither_uses_nor_closes_the_parents_stream(sid, tmp_path):
    done = run_python(FORKER, sid, str(tmp_path), timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'child refused:' in done.stdout and 'fork' in done.stdout, done.stdout
    assert 'child status 0' in done.stdout, done.stdout
    assert 'parent saw [0, 1]' in done.stdout, done.stdout
    assert 'metrics' not in done.stderr, done.stderr  # the child removed the parent's file
