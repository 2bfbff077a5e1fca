"""The console in a real browser: Debian's Chromium, driven by Playwright for Python.

Each page a journey visits is checked as it is shown: axe-core (injected from
tests/browser/node_modules, installed by `make test`) must report no serious or critical
violation, the page must fit 1280 and 390 pixels wide without scrolling sideways, and
the browser must report no Content-Security-Policy violation. A screenshot of each page
at both widths is saved under .local/screenshots/ (not committed).

Chromium is found at $CHROMIUM or on the PATH. Without it, or without axe-core, these
tests are skipped, except where BROWSER_TESTS=required (.ci/run), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parent.parent / ".local" / "screenshots"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
SERIOUS = {"serious", "critical"}


def _chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def chromium():
    missing = []
    executable = _chromium()
    if executable is None:
        missing.append("Chromium (apt-get install chromium, or set CHROMIUM)")
    if not AXE.exists():
        missing.append("axe-core (npm ci --prefix tests/browser)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("BROWSER_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API runs an event loop in this thread; the tests still
    # use the database from it, between browser steps, never concurrently.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Console:
    """A browser tab on the live server, checking every page it is asked to look at."""

    page: object
    base: str
    folder: Path
    problems: list[str] = field(default_factory=list)
    shots: int = 0

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def look(self, name: str) -> None:
        """Check the page shown now at both widths, and keep a screenshot of each."""
        page = self.page
        page.wait_for_load_state("load")
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            wide = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if wide > 0:
                self.problems.append(f"{name}: {wide}px wider than a {width}px window")
            self.shots += 1
            page.screenshot(
                path=str(self.folder / f"{self.shots:02d}-{name}-{label}.png"), full_page=True
            )
        page.set_viewport_size({"width": 1280, "height": 800})
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text())
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
        )
        for violation in violations:
            if violation["impact"] in SERIOUS:
                self.problems.append(
                    f"{name}: axe {violation['impact']} {violation['id']}: {violation['help']} "
                    f"at {violation['nodes']}"
                )

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def console(chromium, live_server, settings, request):
    """A fresh browser context on the live server (cookies not marked Secure: it is
    plain HTTP on loopback)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    tab = Console(page=page, base=live_server.url, folder=folder)

    def on_console(message):
        # A page answered with an error status is reported here too; the tests check
        # statuses themselves, and `on_response` catches failed files.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            tab.problems.append(f"browser console: {message.text}")

    def on_response(response):
        if response.request.resource_type != "document" and response.status >= 400:
            tab.problems.append(f"{response.url}: {response.status}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("dialog", lambda dialog: dialog.accept())
    yield tab
    context.close()
