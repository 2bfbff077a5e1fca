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


def test_verdicts_say_which_floors_a_run_misses():
    from bench.run import FLOORS, Result, verdicts

    ratios = {name: bound for name, (_op, bound) in FLOORS.items()}
    ratios["list/limit"] = 0.44  # below its floor
    ratios["search-10x/list-10x"] = 3.5  # above its ceiling
    results = {
        "list": Result("list", 100.0, 50.0, 300.0, 0, 1000),  # p99 over 5x p50
        "console-library-10x": Result("console-library-10x", 10.0, 151.0, 200.0, 0, 100),
    }

    lines = verdicts(results, ratios)

    missed = [line for line in lines if "NOT MET" in line]
    assert missed == [
        "- list/limit 0.44, floor >= 0.45: NOT MET",
        "- search-10x/list-10x 3.50, floor <= 3.0: NOT MET",
        "- console-library-10x p50 151.0 ms, at most 150 ms: NOT MET",
        "- p99 within 5x p50: NOT MET for list",
    ]
    assert "- list/baseline 4.00, floor >= 4.0: met" in lines
    assert "- errors 0, floor 0: met" in lines


def test_verdicts_name_the_console_pages_over_their_time():
    from bench.run import FLOORS, verdicts

    ratios = {name: bound for name, (_op, bound) in FLOORS.items()}
    pages = {
        "t/<slug:tenant>/": {"status": 200, "p50_ms": 40.0, "p90_ms": 50.0},
        "t/<slug:tenant>/reports/": {"status": 200, "p50_ms": 1180.5, "p90_ms": 1300.0},
        "t/<slug:tenant>/audit/": {"status": 500, "p50_ms": 10.0, "p90_ms": 12.0},
    }

    lines = verdicts({}, ratios, pages)

    assert (
        "- every console page (of 3) at most 150 ms p50: NOT MET for t/<slug:tenant>/reports/"
        in lines
    )
    assert "- console pages that did not answer: NOT MET for t/<slug:tenant>/audit/" in lines


def test_results_table_every_console_page(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from bench import run

    monkeypatch.setattr(run, "ROOT", tmp_path)
    (tmp_path / "bench").mkdir()
    ratios = {name: bound for name, (_op, bound) in run.FLOORS.items()}
    pages = {
        "t/<slug:tenant>/reports/": {
            "status": 200,
            "p50_ms": 1180.5,
            "p90_ms": 1300.0,
            "first_ms": 2100.0,
        }
    }
    args = SimpleNamespace(quick=False, scale=1, connections=16, rounds=5)

    run.write_results({}, ratios, pages, args, 50, 2000, 10, 60.0)

    written = (tmp_path / "bench" / "RESULTS.md").read_text()
    assert "| `t/<slug:tenant>/reports/` | 200 | 1180.5 | 1300.0 | 2100.0 |" in written
    assert "every console page (of 1) at most 150 ms p50: NOT MET" in written
