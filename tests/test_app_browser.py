"""The browser app in a real browser: `solara run sim/app.py` on a loopback port, driven by
Playwright in headless Chromium.

It steps the model and checks the plots change; moves the Western-aid slider, resets, steps
again and checks the plots differ from the run with the default slider (same seed, so only the
slider can make them differ); runs the ensemble panel and reads P(both sides lose); checks the
page asked nothing of any host but the loopback one (it must work offline); and saves a
screenshot to test-artifacts/app.png.

Locally the test skips with a clear message when no Chromium is found; under CI=true a missing
browser (or Playwright) fails.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
STARTUP_TIMEOUT = 300  # s: the server imports Mesa and solara and builds the first model
WARMUP_TIMEOUT = 900  # s: compiling every kernel once in a fresh clone takes minutes on a busy 2-core machine
WARMUP = """
import sim
from sim.model import GreatGameModel
config = sim.load_config(overrides=["horizon=2"])
GreatGameModel(config, rng=0).step()
sim.simulate(config, replicates=2, engine="ensemble")
"""
ENSEMBLE_REPLICATES = 50
STEPS = 4


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}: the browser test must run in CI")
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run the browser test")


def _chromium() -> str:
    for candidate in (os.environ.get("GG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    _missing("no Chromium found (looked at $GG_CHROMIUM, /usr/bin/chromium, chromium on PATH)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solara() -> list[str]:
    exe = Path(sys.executable).with_name("solara")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "solara"]


@pytest.fixture(scope="module")
def app_url():
    """Start the app with `solara run` on a free loopback port; yield its URL; stop it."""
    chromium = _chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright (python) is not installed")
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "app-server.log", "w")
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", GG_APP_REPLICATES=str(ENSEMBLE_REPLICATES),
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    env.setdefault("NUMBA_NUM_THREADS", "1")
    # numba's on-disk cache is per source path: compile (or load) the Mesa step and the ensemble
    # kernels once here, so the browser's clicks measure the app, not the compiler
    warm = subprocess.run([sys.executable, "-c", WARMUP], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=WARMUP_TIMEOUT)
    if warm.returncode != 0:
        pytest.fail(f"compiling the kernels failed:\n{warm.stderr[-2000:]}")
    server = subprocess.Popen([*_solara(), "run", str(ROOT / "sim" / "app.py"), "--host", "127.0.0.1",
                               "--port", str(port), "--production", "--no-open"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"solara run exited with {server.returncode}; see {ARTIFACTS / 'app-server.log'}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer on {url} within {STARTUP_TIMEOUT} s")
            time.sleep(1)
        yield url, chromium
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_missing_browser_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # no executable Chromium anywhere
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        _chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and no Chromium found"):
        _chromium()


# --- the app's factory, without a browser -------------------------------------------------------


def test_make_config_applies_levers_and_rejects_bad_ones():
    from sim.app import make_config
    from sim.config import ConfigError

    config = make_config(aid_level=0.5, hedging=0.6, ceasefire_quarter=12.0, horizon=8)
    assert config.params.war.aid_level == 0.5
    assert config.params.alignment.hedging == 0.6
    assert config.params.war.ceasefire_quarter == 12 and isinstance(config.params.war.ceasefire_quarter, int)
    assert config.horizon == 8
    assert config.params.dependency.sanction_rate == make_config().params.dependency.sanction_rate
    with pytest.raises(ConfigError, match=r"aid_level=7.0 is outside its range \[0, 3\]"):
        make_config(aid_level=7)
    with pytest.raises(ConfigError, match="unknown lever 'aid'"):
        make_config(aid=1)


def test_sliders_are_the_model_keywords_and_reset_rebuilds_from_them():
    import inspect

    from sim.app import LEVERS, AppModel, model_params

    params = model_params()
    keywords = set(inspect.signature(AppModel.__init__).parameters) - {"self"}
    assert set(params) <= keywords, "SolaraViz passes every slider to the model's constructor"
    assert {lever.name for lever in LEVERS} <= set(params)
    # what Reset does: build a new model from the slider values
    values = {name: spec["value"] for name, spec in params.items()}
    values["aid_level"] = 0.0
    model = AppModel(**values)
    assert model.params.war.aid_level == 0.0
    assert model.params.russia.point_east == params["point_east"]["value"]
    for name, spec in params.items():
        assert spec["min"] <= spec["value"] <= spec["max"], name
    # Mesa >= 3.5 passes scenario=<mesa Scenario> on Reset to constructors that accept `scenario`
    assert "scenario" not in keywords


def _plots(page, expected: int = 4, timeout: float = 120.0):
    """PNG screenshots of the four live plots (pixels, so identical pictures compare equal).

    A plot is an <img> that Solara replaces when the figure re-renders, so a screenshot can meet
    a node that is momentarily detached or not yet laid out: retry until all four are visible
    and photographed, and fail if they never are.
    """
    from playwright.sync_api import Error as PlaywrightError

    images = page.locator("img")
    deadline = time.monotonic() + timeout
    while True:
        try:
            if images.count() >= expected:
                for i in range(expected):
                    images.nth(i).wait_for(state="visible", timeout=10_000)
                return [images.nth(i).screenshot(timeout=10_000) for i in range(expected)]
            problem = f"{images.count()} of {expected} plots on the page"
        except PlaywrightError as err:
            problem = str(err).splitlines()[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"the live plots never became visible: {problem}")
        time.sleep(0.5)


def _wait_for_step(page, n: int) -> None:
    # Mesa 3.3 shows "Step: n", Mesa 3.5 "Time: n" (model.time, possibly "n.0")
    page.get_by_text(re.compile(rf"^\s*(Step|Time): {n}(\.0)?\s*$")).wait_for(timeout=120_000)
    time.sleep(1.0)  # the plots re-render after the step counter


def _steps(page, n: int) -> None:
    for i in range(n):
        page.get_by_role("button", name="Step", exact=True).click()
        _wait_for_step(page, i + 1)


@pytest.mark.browser
@pytest.mark.slow
def test_app_sliders_step_plots_and_ensemble(app_url):
    from playwright.sync_api import sync_playwright

    url, chromium = app_url
    outside: list[str] = []

    def only_loopback(route):
        target = route.request.url
        if re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]", target) or target.startswith(("data:", "blob:")):
            route.continue_()
        else:  # the page must not need any CDN or outside host
            outside.append(target)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1300})
            page.route("**/*", only_loopback)
            page.goto(url, timeout=120_000)
            page.get_by_text("The Great Game", exact=False).first.wait_for(timeout=120_000)
            _wait_for_step(page, 0)
            start = _plots(page)
            assert len(start) == 4, "the page should show four live plots"

            # stepping moves the plots
            _steps(page, STEPS)
            default_run = _plots(page)
            changed = [a != b for a, b in zip(start, default_run)]
            assert all(changed), f"every plot should change when the model steps (changed: {changed})"

            # move the Western-aid slider to its minimum (keyboard on the Vuetify slider thumb)
            aid = page.get_by_role("slider", name=re.compile("Western aid"))
            before = aid.get_attribute("aria-valuenow")
            aid.focus()
            aid.press("Home")
            page.wait_for_function("e => e.getAttribute('aria-valuenow') === '0'", arg=aid.element_handle(),
                                   timeout=10_000)
            assert before != "0"

            # Reset builds a new model from the sliders (same seed): only the slider can change the run
            page.get_by_role("button", name="Reset", exact=True).click()
            _wait_for_step(page, 0)
            _steps(page, STEPS)
            no_aid_run = _plots(page)
            differs = no_aid_run[0] != default_run[0]
            assert differs, "the power-share plot without Western aid is identical to the default run's"

            # the ensemble panel for the current sliders
            page.get_by_role("button", name=re.compile("replicate ensemble")).click()
            result = page.get_by_text(re.compile(r"P\(both sides lose\) = \d+(\.\d)?%"))
            result.wait_for(timeout=240_000)
            text = page.locator("text=/95% interval/").first.inner_text()
            m = re.search(r"= ([\d.]+)%.*interval ([\d.]+)% to ([\d.]+)%, (\d+) paired", text)
            assert m, text
            p, lo, hi, n = float(m[1]), float(m[2]), float(m[3]), int(m[4])
            assert n == ENSEMBLE_REPLICATES and lo <= p <= hi

            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
        finally:
            browser.close()
    assert not outside, f"the page asked outside hosts (it must work offline): {outside[:5]}"
