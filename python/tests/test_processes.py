"""Two Python processes on one stream: each sees the other's events, ids are
dense, and a secret set in one process redacts what the other adds."""

import json
import pathlib
import subprocess
import sys

import evbus
from helpers import child_env

PEER = str(pathlib.Path(__file__).with_name('peer_proc.py'))
SECRET = 'sk-proc-0123456789abcdef'


def start(sid, root, name, count, total, set_secret):
    args = [sys.executable, PEER, sid, str(root), name, str(count), str(total), SECRET,
            '1' if set_secret else '0']
    proc = subprocess.Popen(args, env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'ready', proc.stderr.read()
    return proc


def test_two_processes_share_ids_events_and_secrets(sid, tmp_path):
    n = 200
    # The first sets the stream's secret; the second knows nothing of it.
    a = start(sid, tmp_path, 'alpha', n, 2 * n, set_secret=True)
    b = start(sid, tmp_path, 'beta', n, 2 * n, set_secret=False)
    for proc in (a, b):
        proc.stdin.write('go\n')
        proc.stdin.flush()
    outputs = []
    for proc in (a, b):
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    for seen in outputs:
        assert [i for i, _ in seen] == list(range(2 * n))  # dense, in id order, both peers
        names = {text.split()[0] for _, text in seen}
        assert names == {'alpha', 'beta'}
        assert not any(SECRET in text for _, text in seen)
    assert outputs[0] == outputs[1]
    reader = evbus.EventStream(sid, tmp_path, create_if_missing=False)
    try:
        stored = list(reader.search_events())
        assert [e['id'] for e in stored] == list(range(2 * n))
        assert all(e['args']['content'].endswith(' <secret_hidden>') for e in stored)
        assert sum(e['args']['content'].startswith('beta') for e in stored) == n
        # The set outlives the process that set it: this third process redacts too.
        reader.add_event({'action': 'message', 'args': {'content': f'and {SECRET}'}}, 'user')
        assert reader.get_latest_event()['args']['content'] == 'and <secret_hidden>'
    finally:
        reader.close()
