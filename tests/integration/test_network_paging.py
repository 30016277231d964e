"""Walks of many ports and volumes cost one list request per page, as the
servers' walk does (emulator: its page size is set small, so that a few
hundred resources take several pages)."""
import math
import os

import pytest

from harness import Emulator, Mount, sanitizer_reports, sh

PAGE = 40
SEEDED = 150  # more networks (and as many ports) and volumes than three pages hold


@pytest.fixture(scope="module")
def big():
    e = Emulator("--no-edge-servers", "--networks", str(SEEDED), "--volumes", str(SEEDED), servers=5)
    e.config(page_max=PAGE)
    yield e
    e.stop()


def list_requests(emu, path):
    """GETs of `path` (with any query) in the emulator's counters."""
    return sum(n for key, n in emu.counters()["requests"].items()
               if key.startswith("GET ") and key.split("?")[0].endswith(path))


@pytest.mark.parametrize("kind,path", [("ports", "/v2.0/ports"), ("volumes", "/volumes/detail"),
                                       ("networks", "/v2.0/networks")])
def test_a_walk_costs_one_request_per_page(big, kind, path):
    m = Mount(big.env(), "ttl=60")
    try:
        big.reset()
        r = sh("cat %s/*/status | wc -l" % m.p(kind), timeout=120)
        n = len(os.listdir(m.p(kind))) - 1  # without .by-id
        got = list_requests(big, path)
    finally:
        m.unmount()
    assert not sanitizer_reports(m), sanitizer_reports(m)
    assert n > 3 * PAGE and int(r.stdout) == n
    # a full page always has a next link: one more request when n is a multiple
    assert got in (math.ceil(n / PAGE), n // PAGE + 1), (n, got)
