"""The API benchmark: ours, a plain-DRF baseline and a bare-WSGI limit, side by side.

    make bench            # 50 tenants x 2,000 digests, and ten times that
    make bench QUICK=1    # 5 tenants x 400 digests, and ten times that (under two minutes)
    python -m bench.run --scale 2

Builds (or reuses) the datasets on PostgreSQL, serves each with gunicorn and production
settings (debug off) as the non-owner runtime role, so row-level security is in play;
drives load with wrk at a fixed concurrency for a fixed time, wrk pinned to CPU 0 and the
servers to CPU 1. Targets take turns in rounds and each figure is the median of its
rounds, so a shared machine's slow spells do not land on one side of a ratio. Writes
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.common import with_database, with_user

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnop"
APP_PORT, LIMIT_PORT, APP_PORT_10X = 8701, 8702, 8703
RUNTIME_ROLE = "digest_bench"


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    queries: int | str = "-"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ms(value: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)$", value)
    if match is None:
        raise ValueError(f"unexpected latency {value!r} in wrk's output")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str, name: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    # The percentiles sit in their own lines under "Latency Distribution" (anchored: the
    # stdev column above can also end in "50%").
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(x) for x in socket.groups())
    return Result(name, rps, p50, p99, errors, total)


WRK_TIMEOUT_S = 10
# One worker: the server has one core, so a second process adds no CPU, only a coin
# toss. With two, wrk's connections mostly landed on one worker and sometimes split
# between both, and the split rounds served about a quarter fewer requests with three
# times the p99.
BENCH_WORKERS = os.environ.get("BENCH_WORKERS", "1")
BENCH_THREADS = os.environ.get("BENCH_THREADS", "4")


def wrk(
    name: str,
    base: str,
    paths: list[str],
    *,
    seconds: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> Result:
    """wrk over `paths` in turn, pinned to CPU 0."""
    lines = ["local paths = {" + ",".join(json.dumps(p) for p in paths) + "}", "local i = 0"]
    for key, value in (headers or {}).items():
        lines.append(f"wrk.headers[{json.dumps(key)}] = {json.dumps(value)}")
    lines += [
        "request = function()",
        "  i = i % #paths + 1",
        "  return wrk.format(nil, paths[i])",
        "end",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        # Above wrk's 2 s default: the baseline's search at full size answers in about
        # 1.5 s at 16 connections, and a slow answer is a latency, not an error.
        f"--timeout={WRK_TIMEOUT_S}s",
        "--latency",
        "-s",
        script.name,
        base,
    ]
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1:
        command = ["taskset", "-c", "0", *command]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    try:
        result = parse_wrk(output, name)
    except (AttributeError, ValueError) as exc:
        raise RuntimeError(f"could not read wrk's output for {name}:\n{output}") from exc
    log(
        f"  {name:<16} {result.rps:8.1f} req/s  p50 {result.p50_ms:6.2f} ms  "
        f"p99 {result.p99_ms:6.2f} ms  errors {result.errors}"
    )
    return result


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a process running the app on the benchmark's settings: debug
    off, no Redis (throttling is off for the benchmark anyway)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        # production settings need one; the benchmark stores no SSO secrets
        "SSO_ENCRYPTION_KEY": "YmVuY2gtb25seS1zc28tZW5jcnlwdGlvbi1rZXktMDA=",
        "DJANGO_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        **extra,
    }
    env.pop("REDIS_URL", None)
    return env


class Servers:
    """gunicorn for the API (and the baseline routes) and for the limit app."""

    def __init__(
        self,
        database_url: str,
        limit_query: list | None = None,
        *,
        port: int,
        limit_port: int | None,
    ):
        self.port, self.limit_port = port, limit_port
        limit_sql, limit_params, limit_tenant = limit_query or ("", [], "")
        self.env = django_env(
            database_url,
            LIMIT_SQL=limit_sql,
            LIMIT_PARAMS=json.dumps(limit_params),
            LIMIT_TENANT_SETTING=limit_tenant,
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            WEB_CONCURRENCY=BENCH_WORKERS,
            GUNICORN_THREADS=BENCH_THREADS,
            SECURE_COOKIES="0",
            LOG_LEVEL="WARNING",
        )
        self.processes: list[subprocess.Popen] = []

    def _start(self, app: str, port: int) -> None:
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "platform" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--max-requests",
            "0",
            "--access-logfile",
            "/dev/null",
            app,
        ]
        if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1:
            command = ["taskset", "-c", "1", *command]
        self.processes.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        for _ in range(100):
            try:
                path = "/healthz" if port == self.port else "/none"
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{app} did not start on port {port}")

    def __enter__(self):
        self._start("config.wsgi:application", self.port)
        if self.limit_port is not None:
            self._start("bench.limit_app:application", self.limit_port)
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=30)


def build_dataset(url: str, scale: int, tenants: int, digests: int) -> dict:
    env = django_env(url)
    out = subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.dataset",
            "--scale",
            str(scale),
            "--tenants",
            str(tenants),
            "--digests",
            str(digests),
            "--runtime-role",
            RUNTIME_ROLE,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"building the dataset failed:\n{out.stderr}")
    log(out.stderr.strip())
    return json.loads(out.stdout.strip().splitlines()[-1])


def _in_process(module: str, url: str, args: list[str], failing: str):
    """Run `python -m module args` on the benchmark's settings against `url`, as the
    test client's host; its last line of output, as JSON. Exits saying `failing`."""
    out = subprocess.run(
        [PYTHON, "-m", module, *args],
        cwd=ROOT,
        env=django_env(url, ALLOWED_HOSTS="testserver"),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"{failing} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def captured_sql(url: str, paths: dict[str, str], key: str) -> dict[str, dict]:
    """What one request to each path ran (after a first one warms the caches): the query
    count and each statement as [sql, encoded parameters, tenant setting] (bench.capture),
    on the benchmark's settings."""
    return _in_process("bench.capture", url, [json.dumps(paths), key], "capturing the SQL")


def console_pages(url: str, info: dict) -> dict[str, dict]:
    """Every console page's server time as the tenant's owner (bench.console_pages)."""
    return _in_process("bench.console_pages", url, [json.dumps(info)], "timing the console's pages")


def digest_query(statements: list[list]) -> list:
    """The list endpoint's digest query among its statements: what the limit app runs."""
    found = [s for s in statements if 'FROM "digests_digest"' in s[0] and "LIMIT" in s[0]]
    if len(found) != 1:
        sys.exit(f"expected one digest query in the list request, found {len(found)}")
    return found[0]


def combine(name: str, runs: list[Result]) -> Result:
    """One target's rounds: medians of throughput and latency, sums of counts."""
    return Result(
        name,
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        sum(r.errors for r in runs),
        sum(r.requests for r in runs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="The API benchmark (writes bench/RESULTS.md)")
    parser.add_argument("--scale", type=int, default=1, help="multiplies the digests per tenant")
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    parser.add_argument("--seconds", type=int, help="per target and round")
    parser.add_argument("--rounds", type=int, help="5 by default, 3 in quick mode")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk (Debian) or brew install wrk")

    # Five rounds in a full run: with three, one slow spell moved a median ratio by a
    # tenth. Quick mode keeps three to stay under two minutes.
    tenants, digests, seconds, rounds = (5, 400, 3, 3) if args.quick else (50, 2000, 10, 5)
    seconds = args.seconds or seconds
    args.rounds = rounds if args.rounds is None else args.rounds
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    base = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/digest_platform_bench"
    )
    name = base.rsplit("/", 1)[1]
    started = time.time()
    served = {}
    for scale in (args.scale, args.scale * 10):
        admin_url = with_database(base, f"{name}_{'q' if args.quick else 'f'}{scale}")
        info = build_dataset(admin_url, scale, tenants, digests)
        runtime_url = with_user(admin_url, RUNTIME_ROLE, "bench-only")
        served[scale] = (info, runtime_url)

    info, runtime_url = served[args.scale]
    info_10x, runtime_url_10x = served[args.scale * 10]
    tenant, key = info["tenants"][0], info["key"]
    ours_list = f"/api/v1/tenants/{tenant}/digests/?page_size=50"
    ours_list_10x = f"/api/v1/tenants/{info_10x['tenants'][0]}/digests/?page_size=50"
    ids, words = info["digest_ids"], info["search_words"]
    app, limit = f"http://127.0.0.1:{APP_PORT}", f"http://127.0.0.1:{LIMIT_PORT}"
    app_10x = f"http://127.0.0.1:{APP_PORT_10X}"
    auth = {"Authorization": f"Bearer {key}"}
    auth_10x = {"Authorization": f"Bearer {info_10x['key']}"}
    tenant_10x = info_10x["tenants"][0]
    browser_10x = {"Cookie": f"sessionid={info_10x['session']}"}
    # name: (server, paths, headers). Every target runs once per round, in turn, so a
    # slower or faster spell of a shared machine falls on all of them alike.
    targets = {
        "list": (app, [ours_list], auth),
        "baseline-list": (app, [f"/baseline/{tenant}/digests/"], None),
        "limit-list": (limit, [f"/{tenant}"], None),
        "detail": (app, [f"/api/v1/tenants/{tenant}/digests/{i}/" for i in ids[:200]], auth),
        "baseline-detail": (app, [f"/baseline/digests/{i}/" for i in ids[:200]], None),
        "search": (
            app,
            [f"{ours_list}&q={w.replace(' ', '+')}" for w in words],
            auth,
        ),
        "baseline-search": (
            app,
            [f"/baseline/{tenant}/digests/?search={w.replace(' ', '+')}" for w in words],
            None,
        ),
        "list-10x": (app_10x, [ours_list_10x], auth_10x),
        "search-10x": (
            app_10x,
            [f"{ours_list_10x}&q={w.replace(' ', '+')}" for w in words],
            auth_10x,
        ),
        # The console's pages as a person sees them, at ten times the data, one request at
        # a time: their p50 is the server's time to answer (the goal: under 150 ms).
        "console-library-10x": (app_10x, [f"/t/{tenant_10x}/"], browser_10x, 1),
        "console-reviews-10x": (app_10x, [f"/t/{tenant_10x}/reviews/"], browser_10x, 1),
    }
    log(
        f"serving {tenants} tenants x {digests * args.scale} digests and x "
        f"{digests * args.scale * 10}; {args.rounds} rounds of {seconds} s per target"
    )
    sql = captured_sql(
        runtime_url,
        {
            "list": ours_list,
            "detail": f"/api/v1/tenants/{tenant}/digests/{ids[0]}/",
            "search": f"{ours_list}&q=vaccine",
            "baseline-list": f"/baseline/{tenant}/digests/",
            "baseline-detail": f"/baseline/digests/{ids[0]}/",
            "baseline-search": f"/baseline/{tenant}/digests/?search=vaccine",
        },
        key,
    )
    sql_10x = captured_sql(
        runtime_url_10x,
        {"list-10x": ours_list_10x, "search-10x": f"{ours_list_10x}&q=vaccine"},
        info_10x["key"],
    )
    runs: dict[str, list[Result]] = {target: [] for target in targets}
    with (
        Servers(
            runtime_url,
            digest_query(sql["list"]["statements"]),
            port=APP_PORT,
            limit_port=LIMIT_PORT,
        ),
        Servers(runtime_url_10x, port=APP_PORT_10X, limit_port=None),
    ):
        for target, (server, paths, headers, *_) in targets.items():
            wrk(f"warm-up {target}", server, paths, seconds=1, connections=4, headers=headers)
        for number in range(1, args.rounds + 1):
            log(f"round {number}")
            for target, (server, paths, headers, *connections) in targets.items():
                result = wrk(
                    target,
                    server,
                    paths,
                    seconds=seconds,
                    connections=connections[0] if connections else args.connections,
                    headers=headers,
                )
                runs[target].append(result)
                # wrk stops sending, not the server serving: let the requests it left in
                # flight finish, or the next target's first answers wait for them (a
                # console page after search-10x waited some 1.6 s).
                time.sleep(min(2 * result.p99_ms / 1000, WRK_TIMEOUT_S))
    log("console pages at ten times the data")
    pages = console_pages(runtime_url_10x, info_10x)
    results = {target: combine(target, found) for target, found in runs.items()}
    for target, captured in {**sql, **sql_10x}.items():
        results[target].queries = captured["queries"]
    results["limit-list"].queries = 1
    ratios = ratios_of(runs)
    elapsed = time.time() - started
    write_results(results, ratios, pages, args, tenants, digests, seconds, elapsed)
    for line in verdicts(results, ratios, pages):
        log(line)


def ratios_of(runs: dict[str, list[Result]]) -> dict[str, float]:
    """Each ratio within each round (its two targets ran moments apart), then the median
    over the rounds: the machine's speed drifts between rounds more than within one."""

    def ratio(top: str, bottom: str, measure=lambda r: r.rps) -> float:
        return statistics.median(
            measure(a) / measure(b) for a, b in zip(runs[top], runs[bottom], strict=True)
        )

    return {
        "list/baseline": ratio("list", "baseline-list"),
        "list/limit": ratio("list", "limit-list"),
        "detail/baseline": ratio("detail", "baseline-detail"),
        "search/baseline": ratio("search", "baseline-search"),
        "list-10x/list": ratio("list-10x", "list", lambda r: r.p50_ms),
        "search-10x/list-10x": ratio("search-10x", "list-10x", lambda r: r.p50_ms),
    }


# What each ratio must be (at least or at most) in a full run, and the console's p50.
FLOORS = {
    "list/baseline": (">=", 4.0),
    "list/limit": (">=", 0.45),
    "detail/baseline": (">=", 1.4),
    "search/baseline": (">=", 5.0),
    "list-10x/list": ("<=", 1.25),
    "search-10x/list-10x": ("<=", 3.0),
}
CONSOLE_P50_MS = 150.0


def verdicts(results: dict, ratios: dict[str, float], pages: dict | None = None) -> list[str]:
    """One line per floor: its figure and whether this run meets it."""
    lines = []
    for name, (op, bound) in FLOORS.items():
        value = ratios[name]
        met = value >= bound if op == ">=" else value <= bound
        lines.append(f"- {name} {value:.2f}, floor {op} {bound}: {'met' if met else 'NOT MET'}")
    for name, result in results.items():
        if name.startswith("console-"):
            met = result.p50_ms <= CONSOLE_P50_MS
            lines.append(
                f"- {name} p50 {result.p50_ms:.1f} ms, at most {CONSOLE_P50_MS:.0f} ms: "
                f"{'met' if met else 'NOT MET'}"
            )
    if pages:
        slow = [route for route, page in pages.items() if page["p50_ms"] > CONSOLE_P50_MS]
        failed = [route for route, page in pages.items() if page["status"] not in (200, 302)]
        lines.append(
            f"- every console page (of {len(pages)}) at most {CONSOLE_P50_MS:.0f} ms p50: "
            + ("met" if not slow else "NOT MET for " + ", ".join(slow))
        )
        if failed:
            lines.append("- console pages that did not answer: NOT MET for " + ", ".join(failed))
    errors = sum(r.errors for r in results.values())
    lines.append(f"- errors {errors}, floor 0: {'met' if not errors else 'NOT MET'}")
    tails = [r.name for r in results.values() if r.p99_ms > 5 * r.p50_ms]
    lines.append(
        "- p99 within 5x p50: " + ("met" if not tails else "NOT MET for " + ", ".join(tails))
    )
    return lines


def write_results(results, ratios, pages, args, tenants, digests, seconds, elapsed) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{'make bench QUICK=1' if args.quick else 'make bench'}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} in {elapsed:.0f} s.",
        "",
        f"- Machine: {host.machine()}, {os.cpu_count()} CPUs, Python "
        f"{host.python_version()}, {host.system()} {host.release()}",
        f"- Data: {tenants} tenants x {digests * args.scale} digests (10 sections of 5 "
        f"bullets, 5 key points), 5 active policy rules and 3 custom roles per tenant, object "
        f"grants on 1% of digests, each digest linked to its episode source and publisher "
        f"(licenses approved for most publishers, pending or none for the rest); the 10x run "
        f"has {digests * args.scale * 10} digests per tenant",
        f"- Load: wrk, 1 thread, {args.connections} connections, {args.rounds} rounds of "
        f"{seconds} s per target, the targets taking turns within each round (a shared "
        "machine's slow and fast spells fall on all of them); each figure is the median of "
        f"the rounds, requests and errors are summed; wrk (timeout {WRK_TIMEOUT_S} s) "
        "pinned to CPU 0; gunicorn (platform/gunicorn.conf.py, "
        f"{BENCH_WORKERS} worker(s) x {BENCH_THREADS} threads, debug off) pinned to CPU 1; "
        "PostgreSQL unpinned; the app connects as the non-owner runtime role (RLS applies); "
        "the 10x dataset is served at the same time by its own gunicorn",
        "- ours: `/api/v1/tenants/{tenant}/digests/` as a viewer API key, policies applied; "
        "baseline: plain DRF ModelSerializer + ListAPIView/RetrieveAPIView/SearchFilter "
        "(bench/urls.py); limit: bare WSGI + psycopg + orjson running the list endpoint's own "
        "digest query, captured from it with its parameters and tenant setting, prepared as "
        "the app prepares it, one connection per thread (bench/limit_app.py)",
        "- SQL per request: as Django's query capture counts them, BEGIN and COMMIT included",
        "",
        "| target | req/s | p50 ms | p99 ms | errors | requests | SQL per request |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results.values():
        lines.append(
            f"| {result.name} | {result.rps:.1f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
            f"{result.errors} | {result.requests} | {result.queries} |"
        )
    lines += [
        "",
        "Ratios of throughput (req/s), except list-10x/list and search-10x/list-10x, which "
        "are ratios of p50 latency (ten times the data over the default size; search over "
        "the list at ten times the data). Each is taken within every round (its "
        "two targets ran moments apart) and the median over the rounds is reported, so it "
        "can differ from the ratio of the medians in the table:",
        "",
    ]
    lines += [f"ratio {name}: {value:.2f}" for name, value in ratios.items()]
    lines += [
        "",
        "Every console page at ten times the data, as the tenant's owner, in process "
        f"(bench/console_pages.py: Django's test client, {len(pages)} pages found by walking "
        "the console's URLconf, each asked once to warm up and then 15 times; the first "
        "request is shown apart: with the result cache, it is what the first reader after "
        "a change waits):",
        "",
        "| page | status | p50 ms | p90 ms | first request ms |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{route}` | {page['status']} | {page['p50_ms']:.1f} | {page['p90_ms']:.1f} | "
        f"{page['first_ms']:.1f} |"
        for route, page in pages.items()
    ]
    lines += [
        "",
        "Floors (console-library-10x and console-reviews-10x: a compliance officer's "
        "session over wrk, one connection):",
        "",
    ]
    lines += verdicts(results, ratios, pages)
    lines += [""]
    path = ROOT / "bench" / "RESULTS.md"
    path.write_text("\n".join(lines))
    log(f"wrote {path}")
    for name, value in ratios.items():
        log(f"ratio {name}: {value:.2f}")


if __name__ == "__main__":
    main()
