"""The page in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, installed by .ci/run) driven by Selenium.

It checks what a person sees (the overall status, component states, the incident's
updates newest first), that a phone-sized window needs no sideways scrolling, saves a
screenshot in the test's output directory, and runs axe-core (the npm registry's
``axe-core``, installed once into ~/.cache/liaison-tests by npm) in the page, failing on
any serious or critical violation. Without chromium the test is skipped and says why.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.handlers.cadence_support import CHANNEL, sqlite_only
from tests.statuspage.support import SETTINGS, base_url, declare, publish

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
AXE_CACHE = Path.home() / ".cache" / "liaison-tests"
AXE_SCRIPT = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    sqlite_only,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="headless Chromium is not installed (apt-get install chromium chromium-driver; "
        ".ci/run does it)",
    ),
]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed, so axe-core cannot be fetched")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(AXE_CACHE), "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_a_person_reads_the_incident_and_the_page_passes_axe(
    app_factory, browser, axe_source, tmp_path
) -> None:
    from selenium.webdriver.common.by import By

    harness = app_factory(**SETTINGS, status_page_footer_links="Help=https://help.example.com")
    declare(harness, "sev1")
    harness.command('title public "Checkout errors for EU customers"', channel=CHANNEL)
    publish(harness, "We are investigating failed payments.", components={"api": "major_outage"})
    publish(
        harness,
        "The cause is found; a fix is rolling out.",
        status="identified",
        components={"api": "partial_outage", "eu": "degraded_performance"},
    )

    browser.set_window_size(390, 844)  # a phone
    browser.get(base_url(harness) + "/status")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Partial System Outage" in text
    assert "Checkout errors for EU customers" in text
    components = {
        item.find_element(By.CLASS_NAME, "name").text: item.find_element(
            By.CLASS_NAME, "state"
        ).text
        for item in browser.find_elements(By.CSS_SELECTOR, "ul.components li")
        if item.find_elements(By.CLASS_NAME, "name")
    }
    assert components == {
        "API": "Partial outage",
        "Web app": "Operational",
        "EU region": "Degraded performance",
    }
    updates = [
        u.find_element(By.CLASS_NAME, "message").text
        for u in browser.find_elements(By.CSS_SELECTOR, "ol.updates li")
    ]
    assert updates == [
        "The cause is found; a fix is rolling out.",
        "We are investigating failed payments.",
    ]
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the page scrolls sideways on a phone"
    screenshot = tmp_path / "status-page.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 1000

    browser.set_window_size(1280, 900)
    for path in ("/status", "/status/incidents/1", "/status/history"):
        browser.get(base_url(harness) + path)
        serious = [v for v in run_axe(browser, axe_source) if v["impact"] in SERIOUS]
        assert serious == [], f"{path}: {serious}"
    # The check itself works: an image without alt text on a page without lang is caught.
    browser.get("data:text/html,<html><body><img src='x.png'></body></html>")
    assert {"image-alt", "html-has-lang"} <= {v["id"] for v in run_axe(browser, axe_source)}


SERIOUS = ("serious", "critical")


def run_axe(browser: Any, axe_source: str) -> list[dict[str, Any]]:
    browser.execute_script(axe_source)
    return list(
        browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.length}))));"
        )
    )


def test_a_person_subscribes_by_email_with_the_form_and_it_passes_axe(
    app_factory, browser, axe_source, tmp_path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    from bot.devtools.fake_smtp import FakeSmtp

    with FakeSmtp() as smtp:
        harness = app_factory(**SETTINGS, smtp_url=smtp.url, smtp_from="status@acme.example")
        browser.set_window_size(390, 844)
        browser.get(base_url(harness) + "/status")
        field = browser.find_element(By.ID, "subscribe-email")
        label = browser.find_element(By.CSS_SELECTOR, "label[for=subscribe-email]")
        assert label.text == "Email address"
        serious = [v for v in run_axe(browser, axe_source) if v["impact"] in SERIOUS]
        assert serious == [], serious
        assert browser.save_screenshot(str(tmp_path / "status-page-subscribe.png"))

        field.send_keys("ann@example.com")
        browser.find_element(By.CSS_SELECTOR, "input[name=component][value=eu]").click()
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

        WebDriverWait(browser, 10).until(lambda d: "Check your inbox" in d.title)
        assert "Check your inbox" in browser.find_element(By.TAG_NAME, "h2").text
        serious = [v for v in run_axe(browser, axe_source) if v["impact"] in SERIOUS]
        assert serious == [], serious
        [confirmation] = smtp.inbox("ann@example.com")
        assert "about EU region" in confirmation.get_content()
