"""Two Python processes on one stream: each sees the other's events, ids are
dense, and a secret set in one process redacts what the other adds."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import pytest

import evbus
from helpers import child_env

PEER = str(pathlib.Path(__file__).with_name('peer_proc.py'))
CLI = pathlib.Path(os.environ.get('EVBUS_BINARY_DIR', pathlib.Path(__file__).parents[2] / 'build'),
                   'evbus')
SECRET = 'sk-proc-0123456789abcdef'


def start(sid, root, name, count, total, set_secret):
    args = [sys.executable, PEER, sid, str(root), name, str(count), str(total), SECRET,
            '1' if set_secret else '0']
    proc = subprocess.Popen(args, env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'ready', proc.stderr.read()
    return proc


def test_two_processes_and_the_cli_share_ids_events_and_secrets(sid, tmp_path):
    if not CLI.exists():
        pytest.skip(f'the evbus command line is not built ({CLI})')
    n, cli_events = 200, 10
    total = 2 * n + cli_events
    # The first sets the stream's secret; the second and the CLI know nothing of it.
    a = start(sid, tmp_path, 'alpha', n, total, set_secret=True)
    b = start(sid, tmp_path, 'beta', n, total, set_secret=False)
    lines = ''.join(json.dumps({'action': 'message', 'args': {'content': f'cli {i} {SECRET}'}}) +
                    '\n' for i in range(cli_events))
    published = subprocess.run([str(CLI), 'publish', sid, '--source', 'user'], input=lines,
                               capture_output=True, text=True, timeout=20)
    assert published.returncode == 0, published.stderr
    assert published.stdout.split() == [str(i) for i in range(cli_events)]
    for proc in (a, b):
        proc.stdin.write('go\n')
        proc.stdin.flush()
    outputs = []
    for proc in (a, b):
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    for seen in outputs:
        assert [i for i, _ in seen] == list(range(total))  # dense, in id order, every writer
        names = {text.split()[0] for _, text in seen}
        assert names == {'alpha', 'beta', 'cli'}
        assert not any(SECRET in text for _, text in seen)
    assert outputs[0] == outputs[1]
    reader = evbus.EventStream(sid, tmp_path, create_if_missing=False)
    try:
        stored = list(reader.search_events())
        assert [e['id'] for e in stored] == list(range(total))
        assert all(e['args']['content'].endswith(' <secret_hidden>') for e in stored)
        assert sum(e['args']['content'].startswith('beta') for e in stored) == n
        # The set outlives the process that set it: this third process redacts too.
        reader.add_event({'action': 'message', 'args': {'content': f'and {SECRET}'}}, 'user')
        assert reader.get_latest_event()['args']['content'] == 'and <secret_hidden>'
    finally:
        reader.close()


def test_the_cli_reads_what_python_added(stream, sid):
    if not CLI.exists():
        pytest.skip(f'the evbus command line is not built ({CLI})')
    for i in range(5):
        stream.add_event({'action': 'message', 'args': {'content': f'py {i}'}}, 'agent')
    tail = subprocess.run([str(CLI), 'tail', sid], capture_output=True, text=True, timeout=20)
    assert tail.returncode == 0, tail.stderr
    events = [json.loads(line) for line in tail.stdout.splitlines()]
    assert [e['id'] for e in events] == list(range(5))
    assert events == list(stream.search_events())


PRODUCER = textwrap.dedent('''
    import sys, evbus
    s = evbus.EventStream(sys.argv[1], sys.argv[2], capacity=1 << 20, max_event_size=1 << 16,
                          index_slots=1 << 12)
    i = 0
    while True:
        got = s.add_event({'action': 'message', 'args': {'content': f'k{i}'}}, 'agent')
        print(got, flush=True)
        i += 1
''')


def test_kill_9_of_a_python_producer_loses_nothing_it_was_told_was_added(sid, tmp_path):
    proc = subprocess.Popen([sys.executable, '-c', PRODUCER, sid, str(tmp_path)], env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acknowledged = []
    while len(acknowledged) < 300:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        acknowledged.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)  # mid-stream: it was adding as fast as it could
    proc.wait(timeout=20)
    assert acknowledged == list(range(300))
    stream = evbus.EventStream(sid, tmp_path, create_if_missing=False)
    try:
        for i in acknowledged:
            assert stream.get_event(i)['args']['content'] == f'k{i}'
        # The dead producer blocks nobody: the next id follows whatever it claimed.
        next_id = stream.add_event({'action': 'message', 'args': {'content': 'after'}}, 'user')
        assert next_id >= 300
        found = [e['id'] for e in stream.search_events()]
        assert found[:300] == acknowledged and found[-1] == next_id
    finally:
        stream.close()
