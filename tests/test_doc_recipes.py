"""Every shell recipe in the documentation runs as printed, against a live demo server.

The Markdown pages of the repository are read for fenced blocks. Every fenced block names
its language (`text` for a diagram or a tree), so no command hides in an unnamed block. A
shell block (sh, bash, shell, console) is run, unless the line just above it says
otherwise:

    <!-- recipe: not run: <why> -->
        shown, never run; the reason is required.
    <!-- recipe: background until <url> answers -->
        started and left running (a server a later block talks to); the next block waits
        until the URL answers.

A page's blocks run in order in one bash process, as in one terminal: what a block sets
(a variable, a function) is there for the next. The first command that fails fails the
page (`set -eo pipefail`), and curl is given `--fail-with-body` (unless the recipe already
asks it to fail), so an HTTP error is a failure too. A `console` block runs its `$ ` lines.

The test supplies what `make run` would have: the demo (`load_demo`) in the test database,
a development server (DJANGO_DEBUG=1, as `make run` starts it) and the database's address
in DATABASE_URL. The documented addresses 127.0.0.1:8000 (the server) and 127.0.0.1:9000
(the OpenID Connect provider of docs/sso.md) become free ports. Nothing else of the test's
own environment (its SECRET_KEY, DJANGO_DEBUG, REDIS_URL...) reaches a recipe.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import database_url, free_port

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"node_modules", "staticfiles", "build", "__pycache__"}
# Written by `make client` from the OpenAPI document, README included (clients/README.md)
GENERATED_DIRS = {ROOT / "clients" / "python"}
SHELLS = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^<!--\s*recipe:\s*(?P<what>.*?)\s*-->$")
NOT_RUN = re.compile(r"^not run:\s*(?P<why>\S.*)$")
BACKGROUND = re.compile(r"^background until (?P<url>https?://\S+) answers$")
# The documented ports, given free ones in the test.
DOCUMENTED_PORTS = ("8000", "9000")
# Variables a recipe may see from the test's environment: a shell's ordinary ones.
PASSED_THROUGH = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")
PAGE_TIMEOUT = 90  # seconds for one page's recipes


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    body: str
    marker: str | None  # the recipe comment's text, if any

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """Every Markdown page of the repository, outside hidden folders (.venv, .git) and
    generated ones."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            s
            for s in subfolders
            if not s.startswith(".")
            and s not in SKIPPED_DIRS
            and Path(folder, s) not in GENERATED_DIRS
        ]
        found += [Path(folder) / name for name in files if name.endswith(".md")]
    return sorted(found)


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, with the recipe comment standing above each, if any."""
    lines = page.read_text(encoding="utf-8").split("\n")
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence = opening.group("fence")
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        above = index - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        marker = MARKER.match(lines[above].strip()) if above >= 0 else None
        indent = len(opening.group("indent"))
        found.append(
            Block(
                page=page,
                line=index + 1,
                language=opening.group("info").strip().split(" ")[0].lower(),
                body="\n".join(line[indent:] for line in lines[index + 1 : end]),
                marker=marker.group("what") if marker else None,
            )
        )
        index = end + 1
    return found


def shell_blocks() -> list[Block]:
    return [b for page in pages() for b in blocks(page) if b.language in SHELLS]


def commands(block: Block) -> str:
    """What a block runs: all of it, or a console block's `$ ` lines (and their
    continuation lines)."""
    if block.language != "console":
        return block.body
    kept: list[str] = []
    continuing = False
    for line in block.body.split("\n"):
        if line.startswith("$ "):
            kept.append(line[2:])
        elif continuing:
            kept.append(line)
        else:
            continue
        continuing = line.rstrip().endswith("\\")
    return "\n".join(kept)


# --- The pages, as written -------------------------------------------------------------------


def test_the_pages_are_found():
    names = {str(p.relative_to(ROOT)) for p in pages()}
    assert {"README.md", "docs/sso.md", "docs/digest-format.md", "platform/deploy.md"} <= names


def test_every_fenced_block_names_its_language():
    unnamed = [b.where for page in pages() for b in blocks(page) if not b.language]
    assert unnamed == [], "name the language of these blocks (text for plain text)"


def test_every_shell_block_is_run_or_marked_with_a_reason():
    wrong = []
    for block in shell_blocks():
        if block.marker is None:
            continue
        if not (NOT_RUN.match(block.marker) or BACKGROUND.match(block.marker)):
            wrong.append(f"{block.where}: {block.marker!r}")
    assert wrong == [], "a recipe comment is `not run: <why>` or `background until <url> answers`"


def test_recipe_comments_stand_only_above_shell_blocks():
    misplaced = [
        b.where for page in pages() for b in blocks(page) if b.marker and b.language not in SHELLS
    ]
    assert misplaced == []


def test_the_reader_sees_through_markers_and_console_prompts(tmp_path):
    """The page reader itself: markers, unnamed blocks, indented fences, console lines."""
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n\n<!-- recipe: not run: it serves until stopped -->\n\n```sh\nmake run\n```\n"
        "\n```\nplain\n```\n\n- item\n\n  ```console\n  $ echo one \\\n  two\n  one two\n"
        "  $ echo three\n  three\n  ```\n"
    )
    found = blocks(page)
    assert [(b.line, b.language, b.marker) for b in found] == [
        (5, "sh", "not run: it serves until stopped"),
        (9, "", None),
        (15, "console", None),
    ]
    assert commands(found[2]) == "echo one \\\ntwo\necho three"


# --- The recipes, run ------------------------------------------------------------------------


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{url} never answered:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """End a process the test started, with everything it started in its session."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# Defined first in every page's shell: curl fails on an HTTP error unless told otherwise.
PRELUDE = r"""set -eo pipefail
curl() {
    local arg
    for arg in "$@"; do
        case "$arg" in --fail|--fail-with-body|-[!-]*f*) command curl "$@"; return;; esac
    done
    command curl --fail-with-body "$@"
}
"""


def page_script(page_blocks: list[Block], ports: dict[str, int], background_log: Path) -> str:
    """One bash script for a page's recipes, in order, announcing each block it starts;
    what background blocks print goes to `background_log`."""

    def localised(text: str) -> str:
        for documented, port in ports.items():
            text = re.sub(rf"(?<![\w.]){documented}(?!\w)", str(port), text)
        return text

    script = [PRELUDE]
    for block in page_blocks:
        if block.marker and NOT_RUN.match(block.marker):
            continue
        body = localised(commands(block))
        script.append(f"echo '>>> {block.where}'")
        background = BACKGROUND.match(block.marker or "")
        if background:
            url = localised(background.group("url"))
            script.append(f"(\n{body}\n) >> '{background_log}' 2>&1 &")
            script.append(
                "for _ in $(seq 150); do "
                f"command curl -s -o /dev/null '{url}' && break; sleep 0.2; done"
            )
            script.append(f"command curl -s -o /dev/null '{url}'")
        else:
            script.append(body)
    return "\n".join(script) + "\n"


@pytest.fixture
def demo_server(transactional_db, tmp_path):
    """The demo in the test database, loaded and served as `make run` does (in processes
    of their own: the passwords are hashed as the server will check them)."""
    port = free_port()
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env["DATABASE_URL"] = database_url()
    server_env = {**env, "DJANGO_DEBUG": "1", "WEBHOOK_ALLOW_PRIVATE_URLS": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "load_demo", "--quiet-credentials"],
        cwd=ROOT,
        env=server_env,
        check=True,
        capture_output=True,
    )
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server, log)
        yield {"port": port, "env": env, "log": log}
    finally:
        stop(server)


@pytest.mark.django_db(transaction=True)
def test_the_recipes_run_as_printed(demo_server, tmp_path):
    assert (ROOT / ".venv" / "bin" / "python").exists(), "the recipes use .venv/bin/python (make)"
    ports = {"8000": demo_server["port"]}
    failures = []
    runnable = [b for b in shell_blocks() if not (b.marker and NOT_RUN.match(b.marker))]
    assert runnable, "no recipe runs: the test would prove nothing"
    for page in sorted({b.page for b in runnable}):
        ports["9000"] = free_port()
        name = str(page.relative_to(ROOT)).replace("/", "--")
        background_log = tmp_path / f"{name}.background.log"
        background_log.touch()
        script = page_script([b for b in shell_blocks() if b.page == page], ports, background_log)
        output = tmp_path / f"{name}.out"
        with open(output, "wb") as out:
            shell = subprocess.Popen(
                ["bash", "-c", script],
                cwd=ROOT,
                env=demo_server["env"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                status = shell.wait(timeout=PAGE_TIMEOUT)
            except subprocess.TimeoutExpired:
                status = "timeout"
            finally:
                stop(shell)  # and whatever it left running in the background
        if status != 0:
            text = output.read_text(errors="replace")
            started = re.findall(r"^>>> (\S+)$", text, flags=re.MULTILINE)
            failures.append(
                f"{started[-1] if started else page}: exit {status}\n{text[-2500:]}\n"
                f"--- in the background ---\n{background_log.read_text()[-1000:]}\n"
                f"--- server log ---\n{demo_server['log'].read_text()[-1500:]}"
            )
    assert failures == [], "\n\n".join(failures)
