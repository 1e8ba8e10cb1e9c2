"""CPU per event of evbus's add_event in a tight loop: dicts beside JSON text, in one run.

    python3 bench/python/add_event_loop.py [--build build] [--events 3000] [--laps 4]

The benchmark's 3,000 OpenHands event dicts (bench_events.py: 0.5-2 KiB,
median 1.4 KB, 20 secrets set) are added `--laps` times over, as dicts
(add_event(dict)) and as their JSON text (add_event(str)), each kind on a
stream of its own with a ring of `--ring-mib` MiB, no persister and no
subscriber, this process pinned to `--cpu` (its threads too: the stream's
ring prefaulter, `--prefault on`, shares that CPU). Each lap prints the
adding thread's CPU time per event (time.thread_time) and the wall time per
event, which counts the prefaulter's work too. The first lap writes a fresh
ring, whose pages are touched for the first time (page faults); once the
ring has been written all over, later laps show add_event on warm pages.
The dicts are added through the extension's own call, which leaves them
unchanged, so every lap adds the same dicts.
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _laps(add, items, laps):
    """(CPU, wall) microseconds per event of each lap of add(item, source) over items."""
    per_lap = []
    for _ in range(laps):
        start, wall = time.thread_time(), time.perf_counter()
        for source, item in items:
            add(item, source)
        per_lap.append(((time.thread_time() - start) / len(items) * 1e6,
                        (time.perf_counter() - wall) / len(items) * 1e6))
    return per_lap


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--build', default=str(REPO / 'build'))
    parser.add_argument('--events', type=int, default=3000)
    parser.add_argument('--laps', type=int, default=4)
    parser.add_argument('--ring-mib', type=int, default=4, help='ring size (a power of two)')
    parser.add_argument('--cpu', type=int, default=0)
    parser.add_argument('--prefault', choices=('on', 'off'), default='on',
                        help="the stream option prefault_ring (docs/event_stream.md, 'The first lap')")
    args = parser.parse_args()
    sys.path.insert(0, str(pathlib.Path(args.build).resolve() / 'python'))
    import evbus
    from bench_events import make_events, make_secrets

    os.sched_setaffinity(0, {args.cpu})
    events = make_events(REPO, args.events)
    ring = args.ring_mib << 20
    print(f'{len(events)} events, ring {args.ring_mib} MiB, CPU {args.cpu}, '
          f'prefault {args.prefault}, load average {os.getloadavg()[0]:.2f}')
    results = {}
    with tempfile.TemporaryDirectory(prefix='evbus-loop-') as root:
        for kind in ('dict', 'json'):
            sid = f'loop-{kind}-{os.getpid()}'
            stream = evbus.EventStream(sid, root, capacity=ring, index_slots=ring >> 10,
                                       prefault_ring=args.prefault == 'on')
            stream.set_secrets(make_secrets())
            if kind == 'dict':
                items = [(s, json.loads(json.dumps(e))) for s, e in events]
                add = stream._handle.add_dict
            else:
                items = [(s, json.dumps(e)) for s, e in events]
                add = stream._handle.add_json
            results[kind] = _laps(add, items, args.laps)
            stream.close()
            evbus.destroy_stream(sid)
    for lap in range(args.laps):
        (d, dw), (j, jw) = results['dict'][lap], results['json'][lap]
        print(f'lap {lap + 1}: dict {d:6.2f} us CPU/event ({dw:6.2f} wall)  '
              f'JSON text {j:6.2f} us CPU/event ({jw:6.2f} wall)  dict/text {d / j:.2f}')


if __name__ == '__main__':
    main()
