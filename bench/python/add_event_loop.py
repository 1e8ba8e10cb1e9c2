"""CPU per event of evbus's add_event in a tight loop: dicts beside JSON text, in one run.

    python3 bench/python/add_event_loop.py [--build build] [--events 3000] [--laps 4]
        [--api handle|package] [--persister]

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
With `--api handle` (the default) the dicts are added through the extension's
own call, which leaves them unchanged, so every lap adds the same dicts; with
`--api package` through `EventStream.add_event`, as an application does (it
sets id, timestamp and source in each dict), on dicts made again before each
lap, then `gc.collect()`. `--persister` starts the stream's persister pinned to
the other CPU, as openhands_bench.py does for its rates.
"""

import argparse
import gc
import json
import os
import pathlib
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _laps(add, make_items, laps):
    """(CPU, wall) microseconds per event of each lap of add(item, source) over make_items()."""
    per_lap = []
    items = make_items()
    for lap in range(laps):
        if lap > 0 and make_items.fresh:
            items = make_items()
        gc.collect()
        start, wall = time.thread_time(), time.perf_counter()
        for source, item in items:
            add(item, source)
        per_lap.append(((time.thread_time() - start) / len(items) * 1e6,
                        (time.perf_counter() - wall) / len(items) * 1e6))
    return per_lap


def _persister(stream, cpu):
    """The stream's persister, started now and pinned to the CPU other than `cpu`."""
    from evbus import _evbus
    from evbus._persister import find_persister
    handle = _evbus.ensure_persister(stream.sid, stream.root, '', find_persister(), False, 0.5,
                                     10.0)
    os.sched_setaffinity(handle.pid, {1 - cpu})
    return handle


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--build', default=str(REPO / 'build'))
    parser.add_argument('--events', type=int, default=3000)
    parser.add_argument('--laps', type=int, default=4)
    parser.add_argument('--ring-mib', type=int, default=4, help='ring size (a power of two)')
    parser.add_argument('--cpu', type=int, default=0)
    parser.add_argument('--prefault', choices=('on', 'off'), default='on',
                        help="the stream option prefault_ring (docs/event_stream.md, 'The first lap')")
    parser.add_argument('--api', choices=('handle', 'package'), default='handle',
                        help='the extension\'s add_dict/add_json, or EventStream.add_event')
    parser.add_argument('--persister', action='store_true',
                        help='start the stream\'s persister, pinned to the other CPU')
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
    with tempfile.TemporaryDirectory(prefix='evbus-loop-', ignore_cleanup_errors=True) as root:
        for kind in ('dict', 'json'):
            sid = f'loop-{kind}-{os.getpid()}'
            stream = evbus.EventStream(sid, root, capacity=ring, index_slots=ring >> 10,
                                       prefault_ring=args.prefault == 'on')
            persister = _persister(stream, args.cpu) if args.persister else None
            stream.set_secrets(make_secrets())
            texts = [(s, json.dumps(e)) for s, e in events]
            if kind == 'dict':
                def make_items():
                    return [(s, json.loads(t)) for s, t in texts]
                add = stream._handle.add_dict if args.api == 'handle' else stream.add_event
            else:
                def make_items():
                    return texts
                add = stream._handle.add_json if args.api == 'handle' else stream.add_event
            make_items.fresh = kind == 'dict' and args.api == 'package'
            results[kind] = _laps(add, make_items, args.laps)
            if persister is not None:
                persister.wait_durable(stream.get_latest_event_id(), 30.0)
                persister.release()
            stream.close()
            evbus.destroy_stream(sid)
    for lap in range(args.laps):
        (d, dw), (j, jw) = results['dict'][lap], results['json'][lap]
        print(f'lap {lap + 1}: dict {d:6.2f} us CPU/event ({dw:6.2f} wall)  '
              f'JSON text {j:6.2f} us CPU/event ({jw:6.2f} wall)  dict/text {d / j:.2f}')


if __name__ == '__main__':
    main()
