"""Waiting on conditions with a deadline, and running Python children."""

import os
import subprocess
import sys
import time

DEADLINE_S = 20.0


def wait_until(condition, timeout=DEADLINE_S, what='condition'):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout}s waiting for {what}')
        time.sleep(0.002)


def child_env():
    """The environment for a child python3 that imports evbus as this one does."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in sys.path if p)
    return env


def run_python(code, *args, timeout=DEADLINE_S):
    """Runs `code` in a fresh interpreter (this one); CompletedProcess."""
    return subprocess.run([sys.executable, '-c', code, *args], env=child_env(),
                          capture_output=True, text=True, timeout=timeout)
