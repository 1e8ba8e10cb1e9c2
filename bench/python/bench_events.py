"""The benchmark's workload: OpenHands event dicts of 0.5-2 KiB and 20 secrets.

Events are the recorded OpenHands trajectories (tests/data/openhands-
trajectories) without id and timestamp, each padded or cut to a size drawn
uniformly from 512..2048 bytes of JSON (the padding goes into the event's
text: `content` of an action's args or of an observation), so every run
adds the same bytes. Secrets: 20 tokens, two of which occur in the events,
so redaction has work to do in both implementations.
"""

import json
import pathlib
import random

MIN_BYTES, MAX_BYTES = 512, 2048
FILLER = 'The quick brown fox jumps over the lazy dog while the build runs. '


def _trajectory(repo):
    rows = []
    for path in sorted((repo / 'tests' / 'data' / 'openhands-trajectories').glob('*.json*')):
        text = path.read_text()
        if path.suffix == '.jsonl':
            rows.extend(json.loads(line) for line in text.splitlines() if line.strip())
        else:
            rows.extend(json.loads(text))
    return [{k: v for k, v in row.items() if k not in ('id', 'timestamp')} for row in rows]


def _text_holder(event):
    """(dict, key) of the event's main text field."""
    if 'action' in event:
        args = event.setdefault('args', {})
        key = 'content' if 'content' in args else ('command' if 'command' in args else 'thought')
        args.setdefault(key, '')
        return args, key
    event.setdefault('content', '')
    return event, 'content'


def _sized(event, target):
    holder, key = _text_holder(event)
    size = len(json.dumps(event))
    if size < target:
        need = target - size
        holder[key] += (FILLER * (need // len(FILLER) + 1))[:need]
    elif size > target:
        text = holder[key]
        holder[key] = text[:max(0, len(text) - (size - target))]
        if 'message' in event and len(json.dumps(event)) > MAX_BYTES:
            event['message'] = event['message'][:200]
    return event


def make_events(repo, count, seed=14):
    """`count` (source, event dict) pairs, JSON sizes within 512..2048 bytes
    (a recorded event whose other fields alone pass 2 KiB is left out)."""
    rng = random.Random(seed)
    base = _trajectory(pathlib.Path(repo))
    out = []
    i = 0
    while len(out) < count:
        event = json.loads(json.dumps(base[i % len(base)]))
        i += 1
        _sized(event, rng.randint(MIN_BYTES + 64, MAX_BYTES - 64))
        if MIN_BYTES <= len(json.dumps(event)) <= MAX_BYTES:
            out.append((event.get('source', 'agent'), event))
    return out


def make_secrets():
    """20 secrets: 18 random tokens and two words that occur in the events."""
    rng = random.Random(20)
    secrets = {f'token_{i}': 'ghp_' + ''.join(rng.choice('abcdefghijkmnpqrstuvwxyz0123456789')
                                               for _ in range(36)) for i in range(18)}
    secrets['game'] = '2048'
    secrets['fox'] = 'lazy dog'
    return secrets


def sizes(events):
    lengths = sorted(len(json.dumps(e)) for _, e in events)
    return lengths[0], lengths[len(lengths) // 2], lengths[-1]
