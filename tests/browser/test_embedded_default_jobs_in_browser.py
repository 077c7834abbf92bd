"""
`make demo`'s embedded default runs the real thing: scripts/demo-serve starts the web server, a
Celery worker and beat on kombu's filesystem transport (no broker server). In Chromium,
marketing asks for a new predictive model: the page answers at once, shows the training's
progress from the worker, and ends with the new version active. Stopping the process group
stops all three processes.

This test runs its own demo (a temporary SQLite file, seeded with 700 contacts) rather than
pytest's test database, which a separate worker process cannot see.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _group_pids(pgid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "-g", str(pgid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


@pytest.fixture
def demo_stack(tmp_path):
    """A seeded demo database and scripts/demo-serve running on it, in its own process group."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        CELERY_BROKER_FOLDER=str(tmp_path / "broker"),
        DJANGO_SETTINGS_MODULE="leadscore.settings",
        PY=sys.executable,
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for command in (["migrate", "-v", "0"], ["seed_demo", "--contacts", "700"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    port = _free_port()
    env["ADDR"] = f"127.0.0.1:{port}"
    log = (tmp_path / "demo.log").open("w")
    process = subprocess.Popen(
        ["scripts/demo-serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(360):  # a loaded 2-core CI machine can take a while
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(process.pid, signal.SIGKILL)  # the whole group: worker, beat, web server
        pytest.fail("demo-serve did not serve:\n" + (tmp_path / "demo.log").read_text()[-3000:])
    try:
        yield {"url": base, "process": process, "db": tmp_path / "demo.sqlite3", "tmp": tmp_path}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _models(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT version, status FROM predictive_predictivemodel ORDER BY version"
        ).fetchall()


def test_training_runs_in_the_background_with_progress(demo_stack, screenshot):
    from playwright.sync_api import sync_playwright

    db = demo_stack["db"]
    # demo-serve queued a first training run; the worker finishes it.
    for _ in range(240):
        if any(status in ("active", "failed") for _, status in _models(db)):
            break
        time.sleep(0.5)
    assert _models(db)[0][1] == "active", _models(db)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(base_url=demo_stack["url"], viewport={"width": 1440, "height": 900})
        page.set_default_timeout(15_000)
        page.goto("/login/")
        page.get_by_label("Username").fill("marketing")
        page.get_by_label("Password").fill("demo-marketing-2026")
        page.get_by_role("button", name="Log in").click()
        page.goto("/predictive/")

        started = time.monotonic()
        page.get_by_role("button", name="Retrain now").click()
        # The request only queues the job: the page is back before training could be done.
        expect(page.locator("#training-progress")).to_be_visible()
        answered = time.monotonic() - started
        expect(page.locator("#training-progress")).to_contain_text("Version 2")
        screenshot(page, "progress")
        # The worker moves it on and the page follows by itself (htmx polling, then a reload).
        expect(page.locator("#training-progress")).to_have_count(0, timeout=120_000)
        expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"v2\s+Active"))
        screenshot(page, "done")
        browser.close()

    assert answered < 5, f"the retrain request blocked for {answered:.1f} s"
    assert [status for _, status in _models(db)] == ["retired", "active"]

    # Stopping the group stops the web server, the worker and beat.
    process = demo_stack["process"]
    pids = _group_pids(process.pid)
    assert len(pids) >= 4, pids  # demo-serve, worker, beat, runserver
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.5)
    assert not [pid for pid in pids if _alive(pid)]
