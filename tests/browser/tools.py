"""Where the browser, axe-core and the Nu checker live; skip without them, or fail under CI."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
NODE_MODULES = ROOT / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"

# The flags Chromium needs on a machine without a display, a sandbox or an outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def skip_or_fail(reason: str) -> None:
    """Skip with `reason`, or fail when REQUIRE_BROWSER=1 (CI) demands these checks."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1 requires it; run `make test-tools`)")
    pytest.skip(reason)


def need_chromium() -> Path:
    """Return Chromium's path, or skip/fail when it is not installed."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def need_axe() -> Path:
    """Return axe-core's script, or skip/fail when `npm ci` has not run."""
    if not AXE_SCRIPT.exists():
        skip_or_fail(f"axe-core is missing at {AXE_SCRIPT.relative_to(ROOT)} (npm ci)")
    return AXE_SCRIPT


def need_vnu() -> list[str]:
    """Return the command that runs the Nu HTML checker, or skip/fail without Java or the jar."""
    java = shutil.which("java")
    if java is None:
        skip_or_fail("Java is not installed; the Nu HTML checker needs it")
    if not VNU_JAR.exists():
        skip_or_fail(f"the Nu HTML checker is missing at {VNU_JAR.relative_to(ROOT)} (npm ci)")
    # A short-lived JVM: the quick compiler alone halves the run; it needs a bigger stack.
    return [java, "-Xss2m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU_JAR)]
