"""evbus from Python beside OpenHands' own EventStream, in one run (docs/benchmarks.md).

    python3 bench/python/openhands_bench.py [--build build] [--openhands DIR]
    make bench-python

Workloads (the same events for both: OpenHands event dicts of 0.5-2 KiB, 20
secrets set; bench_events.py):
  rate.original        OpenHands' EventStream.add_event(Event) (it takes Events only)
  rate.evbus.dict      evbus.EventStream.add_event(dict)
  rate.evbus.json      evbus.EventStream.add_event(JSON text)
  rate.evbus.openhands evbus.openhands.EventStream.add_event(Event)
  latency.original     add_event -> callback, in-process (OpenHands has no other)
  latency.evbus.W.D    add_event -> callback in ANOTHER Python process (wait strategy
                       W, callback_dispatch D; blocking.auto is the defaults)
Each evbus stream has its persister running (started through the launcher,
pinned to the other CPU for the rates); the rates are the producer's, and
`durable` adds the wait until the persister synced the last event.

CPUs: this process on CPU 0; the persister on CPU 1 during the rates; the
subscriber process on CPU 1 and the persister on CPU 0 during the latency
run. Ratios are against the original measured in the same run.
"""

import argparse
import gc
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _setup_paths(args):
    sys.path.insert(0, str(pathlib.Path(args.build).resolve() / 'python'))
    sys.path.insert(0, str(pathlib.Path(args.openhands).resolve()))
    import openhands_env
    openhands_env.install()


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


CPU_US = {}  # workload -> this thread's CPU microseconds per event


def _rate(add, items, name):
    """events/s of add() over items (wall); CPU_US[name]: its CPU per event."""
    gc.collect()
    cpu = time.thread_time()
    start = time.perf_counter()
    for source, item in items:
        add(item, source)
    wall = time.perf_counter() - start
    CPU_US[name] = (time.thread_time() - cpu) / len(items) * 1e6
    return len(items) / wall


def _persist(sid, root, openhands_layout):
    """Starts the stream's persister and pins it to CPU 1."""
    from evbus import _evbus
    from evbus.openhands import find_persister
    handle = _evbus.ensure_persister(sid, root, '', find_persister(), openhands_layout, 0.5, 10.0)
    os.sched_setaffinity(handle.pid, {1})
    return handle


def _wait_exit(pid, timeout_s=10.0):
    """Waits until the persister `pid` has exited (idle exit), so that the
    store directory can go; SIGTERM after `timeout_s`, and says so."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with open(f'/proc/{pid}/stat') as stat:
                if stat.read().rsplit(') ', 1)[1].startswith('Z'):
                    return
        except (FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.05)
    print(f'persister {pid} did not exit when idle within {timeout_s} s: stopping it',
          file=sys.stderr)
    os.kill(pid, signal.SIGTERM)


def measure_rates(events, secrets, root, count):
    import evbus
    import evbus.openhands
    from openhands.events.serialization.event import event_from_dict
    from openhands.events.stream import EventStream as Original
    from openhands.storage.local import LocalFileStore

    results = {}
    original = Original('bench-original', LocalFileStore(os.path.join(root, 'original')))
    original.set_secrets(secrets)
    objects = [(s, event_from_dict(dict(e))) for s, e in events[:count]]
    results['rate.original'] = _rate(original.add_event, objects, 'rate.original')
    original.close()

    for name, make in (('dict', lambda e: json.loads(json.dumps(e))),
                       ('json', lambda e: json.dumps(e))):
        sid = f'bench-{name}-{os.getpid()}'
        stream = evbus.EventStream(sid, os.path.join(root, name))
        persister = _persist(sid, stream.root, False)
        stream.set_secrets(secrets)
        items = [(s, make(e)) for s, e in events[:count]]
        start = time.perf_counter()
        results[f'rate.evbus.{name}'] = _rate(stream.add_event, items, f'rate.evbus.{name}')
        persister.wait_durable(stream.get_latest_event_id(), 30.0)
        results[f'rate.evbus.{name}.durable'] = count / (time.perf_counter() - start)
        persister.release()
        stream.close()
        evbus.destroy_stream(sid)
        _wait_exit(persister.pid)

    sid = f'bench-openhands-{os.getpid()}'
    os.sched_setaffinity(0, {1})  # the persister it launches inherits this
    stream = evbus.openhands.EventStream(sid, LocalFileStore(os.path.join(root, 'dropin')),
                                         exit_when_idle=0.5)
    os.sched_setaffinity(0, {0})
    stream.set_secrets(secrets)
    objects = [(s, event_from_dict(dict(e))) for s, e in events[:count]]
    start = time.perf_counter()
    results['rate.evbus.openhands'] = _rate(stream.add_event, objects,
                                            'rate.evbus.openhands')
    persister_pid = stream._persister.pid
    stream.close()  # waits until durable
    results['rate.evbus.openhands.durable'] = count / (time.perf_counter() - start)
    evbus.destroy_stream(sid)
    _wait_exit(persister_pid)
    return results


def _paced(add, items, sent, returned, gap_s, sent_wall=None):
    """Adds items one at a time, `gap_s` apart; the clock before each add
    into `sent` (and the wall clock into `sent_wall`) and after it into
    `returned`."""
    clock, wall = time.monotonic_ns, time.time_ns
    for source, item in items:
        if sent_wall is not None:
            sent_wall.append(wall())
        sent.append(clock())
        add(item, source)
        returned.append(clock())
        time.sleep(gap_s)


def latency_original(events, secrets, root, count, gap_s):
    from openhands.events.serialization.event import event_from_dict
    from openhands.events.stream import EventStream as Original
    from openhands.events.stream import EventStreamSubscriber
    from openhands.storage.local import LocalFileStore

    stream = Original('bench-latency', LocalFileStore(os.path.join(root, 'original-latency')))
    stream.set_secrets(secrets)
    received = {}
    stream.subscribe(EventStreamSubscriber.MAIN,
                     lambda e: received.setdefault(e.id, time.monotonic_ns()), 'latency')
    objects = [(s, event_from_dict(dict(e))) for s, e in events[:count]]
    sent, returned = [], []
    _paced(stream.add_event, objects, sent, returned, gap_s)
    deadline = time.monotonic() + 30
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    stream.close()
    return ([received[i] - sent[i] for i in range(count) if i in received],
            [returned[i] - sent[i] for i in range(count)], None)


def latency_evbus(events, secrets, root, count, gap_s, wait_strategy, dispatch):
    import evbus

    sid = f'bench-latency-{wait_strategy}-{dispatch}-{os.getpid()}'
    stream = evbus.EventStream(sid, os.path.join(root, 'evbus-latency'),
                               wait_strategy=wait_strategy)
    persister = _persist(sid, stream.root, False)
    os.sched_setaffinity(persister.pid, {0})
    stream.set_secrets(secrets)
    child = subprocess.Popen([sys.executable, str(HERE / 'latency_subscriber.py'), sid,
                              stream.root, str(count), '1', wait_strategy, dispatch],
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ,
                                                                         PYTHONPATH=os.pathsep.join(sys.path)))
    assert child.stdout.readline().strip() == 'ready'
    items = [(s, json.loads(json.dumps(e))) for s, e in events[:count]]
    sent, returned, sent_wall = [], [], []
    first = stream.get_latest_event_id() + 1
    _paced(stream.add_event, items, sent, returned, gap_s, sent_wall)
    received = {int(k): v for k, v in json.loads(child.stdout.readline()).items()}
    child.wait(30)
    persister.release()
    stream.close()
    evbus.destroy_stream(sid)
    _wait_exit(persister.pid)
    got = [(i, received[first + i]) for i in range(count) if first + i in received]
    # The split at the event's timestamp (wall clock, us): before it the
    # producer's conversion of the dict; after it the rest of add_event
    # (serialize, redact, write, commit, wake) and the subscriber's wake-up,
    # read, conversion and callback.
    split = ([stamp_us * 1000 - sent_wall[i] for i, (_, _, stamp_us) in got],
             [wall - stamp_us * 1000 for i, (_, wall, stamp_us) in got])
    return ([mono - sent[i] for i, (mono, _, _) in got],
            [returned[i] - sent[i] for i in range(count)], split)


def _summary(measured):
    """p50/p99 of add_event -> callback, p50 of add_event's own call, and for
    evbus p50 of the two parts split at the event's timestamp."""
    latencies, calls, split = measured
    summary = {'p50_us': _percentile(latencies, 0.50) / 1000,
               'p99_us': _percentile(latencies, 0.99) / 1000,
               'add_p50_us': _percentile(calls, 0.50) / 1000, 'n': len(latencies)}
    if split:
        summary['to_stamp_p50_us'] = _percentile(split[0], 0.50) / 1000
        summary['from_stamp_p50_us'] = _percentile(split[1], 0.50) / 1000
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--build', default=str(REPO / 'build'))
    parser.add_argument('--openhands', default=str(REPO.parent / 'shared' / 'third_party' / 'openhands'))
    parser.add_argument('--events', type=int, default=3000, help='events per rate workload')
    parser.add_argument('--latency-events', type=int, default=2000)
    parser.add_argument('--gap-us', type=int, default=500, help='pause between paced adds')
    args = parser.parse_args()
    _setup_paths(args)
    from bench_events import make_events, make_secrets, sizes

    os.sched_setaffinity(0, {0})
    events = make_events(REPO, max(args.events, args.latency_events))
    secrets = make_secrets()
    low, median, high = sizes(events)
    print(f'events: {len(events)} dicts of {low}..{high} B (median {median}), {len(secrets)} secrets')
    with tempfile.TemporaryDirectory(prefix='evbus-bench-') as root:
        results = measure_rates(events, secrets, root, args.events)
        gap = args.gap_us / 1e6
        results['latency.original'] = _summary(latency_original(events, secrets, root,
                                                                args.latency_events, gap))
        for strategy, dispatch in (('blocking', 'auto'), ('blocking', 'shared'),
                                   ('blocking', 'direct'), ('busy_spin', 'direct')):
            results[f'latency.evbus.{strategy}.{dispatch}'] = _summary(latency_evbus(
                events, secrets, root, args.latency_events, gap, strategy, dispatch))
    _report(results)


def _report(r):
    print(f'load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs')
    base = r['rate.original']
    for key in sorted(k for k in r if k.startswith('rate.')):
        cpu = (f'{CPU_US[key]:7.1f} us CPU/event  x{CPU_US["rate.original"] / CPU_US[key]:5.1f} '
               f'by CPU') if key in CPU_US else ''
        print(f'{key:30s} {r[key]:9,.0f} events/s  x{r[key] / base:5.1f} vs original  {cpu}')
    orig = r['latency.original']
    for key in sorted(k for k in r if k.startswith('latency.')):
        v = r[key]
        print(f'{key:30s} p50 {v["p50_us"]:7.1f} us  p99 {v["p99_us"]:8.1f} us  (n={v["n"]})  '
              f'p50 = {v["p50_us"] / orig["p50_us"]:.3f} of original; add_event call p50 '
              f'{v["add_p50_us"]:.1f} us')
        if 'to_stamp_p50_us' in v:
            print(f'{"":30s} split at the event timestamp: call -> timestamp p50 '
                  f'{v["to_stamp_p50_us"]:.1f} us, timestamp -> callback p50 '
                  f'{v["from_stamp_p50_us"]:.1f} us')
    print(f'target 1: dict rate >= 20x original: x{r["rate.evbus.dict"] / base:.1f} '
          f'(by CPU time per event: x{CPU_US["rate.original"] / CPU_US["rate.evbus.dict"]:.1f})')
    best = min((k for k in r if k.startswith('latency.evbus.')), key=lambda k: r[k]['p50_us'])
    print(f'target 2: cross-process p50 <= 0.1 of original in-process p50: '
          f'{r[best]["p50_us"] / orig["p50_us"]:.3f} ({best[len("latency.evbus."):]}; '
          f'defaults (blocking.auto): '
          f'{r["latency.evbus.blocking.auto"]["p50_us"] / orig["p50_us"]:.3f})')


if __name__ == '__main__':
    main()
