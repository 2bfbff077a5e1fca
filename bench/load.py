"""A mixed read/write load run: `make load` (bench/LOAD.md).

    make load                      # 60 s at 32 connections
    python -m bench.load --seconds 20 --connections 16

On the quick benchmark dataset (5 tenants x 400 digests, PostgreSQL, served by gunicorn
with production settings as the non-owner runtime role), wrk drives one tenant with a
mix: four in five requests read (the list, a detail, a search, as a viewer key) and one
in five creates a digest (as an editor key), each with a title no other request uses.
Afterwards the run counts what the server answered and what the database holds:

- no server error: no 5xx answer, no socket error or timeout;
- no lost write: every digest the server acknowledged (201) is stored; beyond those, at
  most one per connection is stored unacknowledged (the requests still in flight when
  wrk stops, whose answers it never reads).

The process exits 1 when either fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import shutil
import subprocess
import sys
import tempfile
import time

from bench.common import with_database, with_user
from bench.run import APP_PORT, PYTHON, ROOT, RUNTIME_ROLE, Servers, build_dataset, django_env, log

RESULTS = ROOT / "bench" / "LOAD.md"
PREFIX = "loadrun"

LUA = r"""
local reads, viewer, editor, tenant, run = {}, "%(viewer)s", "%(editor)s", "%(tenant)s", "%(run)s"
%(reads)s
local counter = 0
local threads = {}

setup = function(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

init = function(args)
  created, refused, server_errors, ok_reads, other = 0, 0, 0, 0, 0
end

request = function()
  counter = counter + 1
  if counter %% 5 == 0 then
    local body = string.format(
      '{"title": "%(prefix)s %%s t%%d n%%d", "publisher": "Load Radio", ' ..
      '"published_on": "2026-01-02", "summary": "Written under load."}',
      run, id, counter)
    return wrk.format("POST", "/api/v1/tenants/" .. tenant .. "/digests/",
      {["Authorization"] = "Bearer " .. editor, ["Content-Type"] = "application/json"}, body)
  end
  local path = reads[counter %% #reads + 1]
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. viewer})
end

response = function(status, headers, body)
  if status == 201 then created = created + 1
  elseif status >= 500 then server_errors = server_errors + 1
  elseif status >= 200 and status < 300 then ok_reads = ok_reads + 1
  else other = other + 1 end
end

done = function(summary, latency, requests)
  local totals = {created = 0, server_errors = 0, ok_reads = 0, other = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + thread:get(name) end
  end
  io.write(string.format(
    'LOAD {"requests": %%d, "seconds": %%.2f, "created": %%d, "ok_reads": %%d, ' ..
    '"server_errors": %%d, "other": %%d, "socket_errors": %%d, "timeouts": %%d, ' ..
    '"p50_ms": %%.2f, "p99_ms": %%.2f}\n',
    summary.requests, summary.duration / 1e6, totals.created, totals.ok_reads,
    totals.server_errors, totals.other,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def api_key(url: str, tenant: str, role: str, person: str) -> str:
    out = subprocess.run(
        [
            *(PYTHON, "manage.py", "create_api_key", "--tenant", tenant, "--role", role),
            *("--name", f"load run {role} {int(time.time())}"),
            *("--accountable-person", person),
        ],
        cwd=ROOT,
        env=django_env(url),
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def stored(url: str, tenant: str, run: str) -> int:
    """How many of the run's digests the database holds; then they are deleted, so the
    benchmark's dataset stays as `make bench` built it."""
    script = (
        "import sys, django\n"
        "django.setup()\n"
        "from digests.models import Digest\n"
        "from tenants.context import platform_scope\n"
        "with platform_scope():\n"
        "    mine = Digest.objects.unscoped().filter(tenant__slug=sys.argv[1],"
        " title__startswith=sys.argv[2])\n"
        "    print(mine.count())\n"
        "    mine.delete()\n"
    )
    out = subprocess.run(
        [PYTHON, "-c", script, tenant, f"{PREFIX} {run} "],
        cwd=ROOT,
        env=django_env(url),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description="Mixed read/write load (writes bench/LOAD.md)")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk (Debian) or brew install wrk")
    base = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/digest_platform_bench"
    )
    admin_url = with_database(base, f"{base.rsplit('/', 1)[1]}_q1")
    info = build_dataset(admin_url, 1, 5, 400)
    # The tenant whose digest ids and words the dataset samples; the run's own digests
    # are deleted afterwards, so the benchmark's data stays as it was built.
    tenant = info["tenants"][0]
    key = api_key(admin_url, tenant, "editor", info["accountable_person"])
    viewer = api_key(admin_url, tenant, "viewer", info["accountable_person"])
    run = f"r{int(time.time())}"
    reads = [f"/api/v1/tenants/{tenant}/digests/?page_size=50"]
    reads += [f"/api/v1/tenants/{tenant}/digests/{i}/" for i in info["digest_ids"][:50]]
    reads += [
        f"/api/v1/tenants/{tenant}/digests/?page_size=50&q={w.replace(' ', '+')}"
        for w in info["search_words"]
    ]
    script = LUA % {
        "viewer": viewer,
        "editor": key,
        "tenant": tenant,
        "run": run,
        "prefix": PREFIX,
        "reads": "\n".join(f"table.insert(reads, {json.dumps(p)})" for p in reads),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    runtime_url = with_user(admin_url, RUNTIME_ROLE, "bench-only")
    log(f"load: {args.seconds} s at {args.connections} connections on {tenant}")
    with Servers(runtime_url, port=APP_PORT, limit_port=None):
        command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
        command += ["--timeout", "10s", "-s", lua.name, f"http://127.0.0.1:{APP_PORT}"]
        if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
            command = ["taskset", "-c", "0", *command]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    line = next(x for x in output.splitlines() if x.startswith("LOAD "))
    result = json.loads(line[5:])
    result["stored"] = stored(admin_url, tenant, run)
    failures = []
    if result["server_errors"] or result["socket_errors"] or result["timeouts"]:
        failures.append("server errors, socket errors or timeouts")
    if result["other"]:
        failures.append(f"{result['other']} answers were neither 2xx nor 5xx (a broken run)")
    # Creates still in flight when wrk stops are stored without wrk seeing the 201: at
    # most one per connection. An acknowledged write missing from the database is lost.
    in_flight = result["stored"] - result["created"]
    if in_flight < 0:
        failures.append(f"{-in_flight} acknowledged writes are not stored (lost)")
    elif in_flight > args.connections:
        failures.append(f"{in_flight} writes stored that were never acknowledged")
    write(result, args, failures)
    log(json.dumps(result))
    if failures:
        sys.exit("load run failed: " + "; ".join(failures))


def write(result: dict, args, failures: list[str]) -> None:
    rps = result["requests"] / result["seconds"]
    RESULTS.write_text(
        "\n".join(
            [
                "# Mixed read/write load run",
                "",
                "Written by `make load` (bench/load.py); see that file for what it does.",
                "",
                f"- machine: {host.machine()}, {os.cpu_count()} cores, Python "
                f"{host.python_version()}; wrk pinned to CPU 0, gunicorn to CPU 1",
                f"- {args.seconds} s at {args.connections} connections; 4 reads (list, "
                "detail, search; viewer key) to 1 create (editor key)",
                "",
                "| requests | req/s | p50 ms | p99 ms | created (201) | stored | 5xx | "
                "socket errors | timeouts | other 4xx |",
                "|---|---|---|---|---|---|---|---|---|---|",
                f"| {result['requests']} | {rps:.1f} | {result['p50_ms']:.2f} | "
                f"{result['p99_ms']:.2f} | {result['created']} | {result['stored']} | "
                f"{result['server_errors']} | {result['socket_errors']} | {result['timeouts']} | "
                f"{result['other']} |",
                "",
                f"Stored beyond the acknowledged: {result['stored'] - result['created']} (creates "
                "in flight when wrk stopped; at most one per connection).",
                "",
                "verdict: " + ("passed" if not failures else "FAILED: " + "; ".join(failures)),
                "",
            ]
        )
    )


if __name__ == "__main__":
    main()
