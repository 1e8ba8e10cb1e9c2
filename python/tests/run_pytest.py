"""Runs the evbus Python tests with pytest, whichever python3 runs this.

pytest comes from Debian's python3-pytest (/usr/lib/python3/dist-packages).
An interpreter without pytest of its own (e.g. a pyenv python3) gets that
folder appended to sys.path, after its own, so that its own packages win.
"""

import sys

try:
    import pytest
except ImportError:
    sys.path.append('/usr/lib/python3/dist-packages')
    import pytest

sys.exit(pytest.main(sys.argv[1:]))
