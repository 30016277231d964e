"""The real-cloud tests reuse the integration fixtures (cloud, mount, ...)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from fixtures import cloud, emu, mount, mnt, settled  # noqa: E402,F401

if os.environ.get("OSFS_TARGET") != "realcloud":
    collect_ignore_glob = ["test_*.py"]
