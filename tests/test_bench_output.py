"""The benchmark reads wrk's text output; these are shapes it printed here."""

from __future__ import annotations

import pytest

from bench.run import parse_wrk

SATURATED = """Running 10s test @ http://127.0.0.1:8701
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   871.27ms  143.65ms   1.11s    92.50%
    Req/Sec    18.01      5.24    30.00     71.28%
  Latency Distribution
     50%  889.42ms
     75%  940.52ms
     90%  994.52ms
     99%    1.10s \n  176 requests in 10.03s, 64.71MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:     17.55
Transfer/sec:      6.45MB
"""


def test_percentiles_come_from_the_distribution_not_the_stdev_column():
    result = parse_wrk(SATURATED, "list")
    assert (result.p50_ms, result.p99_ms) == (889.42, 1100.0)
    assert (result.rps, result.requests) == (17.55, 176)
    assert result.errors == 4 + 2 + 3


def test_output_without_a_distribution_is_refused():
    with pytest.raises(AttributeError):
        parse_wrk("Requests/sec: 1.0\n 1 requests in 1s", "list")
