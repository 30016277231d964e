"""Fixtures live in fixtures.py so the real-cloud tests can share them."""
from fixtures import cloud, emu, mount, mnt, settled  # noqa: F401
