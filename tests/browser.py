"""A tiny headless-Chromium driver over the DevTools protocol (no Playwright download needed).

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it). The
browser is started with every network path closed (a dead proxy, no DNS), and the page's
requests, console messages and exceptions are recorded so a test can assert that a page made
no request beyond ``file://`` and ``data:``, logged no error, and drew its figures.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import websocket  # websocket-client, already pinned (a Jupyter dependency)

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--allow-file-access-from-files",
         "--window-size=1280,2000", "--remote-debugging-port=0"]


def find_chromium() -> str | None:
    """The browser to drive: ``CHROMIUM`` (a path or a command name, e.g. Chrome on macOS) if set,
    else the first of chromium, chromium-browser, google-chrome on PATH. ``CHROMIUM=none`` skips
    the browser tests locally (CI still fails without a browser)."""
    import os

    chosen = os.environ.get("CHROMIUM", "").strip()
    if chosen:
        if chosen == "none":
            return None
        path = shutil.which(chosen)
        if path is None:
            raise RuntimeError(f"CHROMIUM={chosen!r} is not an executable browser; unset it or give a path")
        return path
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


@dataclass
class PageReport:
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    result: object = None


class Chromium:
    def __init__(self, binary: str, allow: str | None = None):
        """``allow``: one ``host:port`` the browser may reach directly (a local JupyterLab);
        other hosts still go to the dead proxy."""
        self.profile = tempfile.mkdtemp(prefix="suanli-chromium-")
        flags = list(FLAGS)
        if allow:
            host = allow.rsplit(":", 1)[0]
            flags = [f"--proxy-bypass-list={allow}" if f.startswith("--proxy-bypass-list=") else
                     f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {host}" if f.startswith("--host-resolver-rules=")
                     else f for f in flags]
        # In a process group of its own: close() ends the browser's helpers (zygote, renderers,
        # crash handler) with it, before its profile folder is removed.
        self.proc = subprocess.Popen([binary, *flags, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        url = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and url is None:
            line = self.proc.stderr.readline()
            if "DevTools listening on" in line:
                url = line.split("DevTools listening on", 1)[1].strip()
        if url is None:
            self.close()
            raise RuntimeError("chromium did not start (no DevTools endpoint)")
        # no Origin header: Chromium 111+ refuses a DevTools connection from an origin it was not told to allow
        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self._id = 0

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        return self._id

    def _call(self, method, params=None, session=None, events=None):
        mid = self._send(method, params, session)
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if events is not None:
                events.append(msg)

    def _emulate(self, session: str, width: int | None, events=None) -> None:
        """Lay the page out ``width`` CSS pixels wide: below 600 as a phone (touch, viewport meta
        honoured), else as a desktop window."""
        if width:
            self._call("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
                       session=session, events=events)

    def visit(self, url: str, script: str, settle: float = 2.0, timeout: float = 30,
              width: int | None = None) -> PageReport:
        """Open ``url`` (``width`` CSS pixels wide, if given), wait for load plus ``settle`` seconds,
        return requests, errors and ``script``'s value (``script`` may be a promise, awaited for up
        to ``timeout`` seconds)."""
        events: list[dict] = []
        target = self._call("Target.createTarget", {"url": "about:blank"}, events=events)["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True}, events=events)["sessionId"]
        self._emulate(session, width, events)
        for domain in ("Page", "Network", "Runtime", "Log"):
            self._call(f"{domain}.enable", session=session, events=events)
        self._call("Page.navigate", {"url": url}, session=session, events=events)
        deadline = time.monotonic() + 30
        loaded = False
        self.ws.settimeout(1)
        while time.monotonic() < deadline:
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                if loaded:
                    break
                continue
            events.append(msg)
            if msg.get("method") == "Page.loadEventFired":
                loaded = True
                deadline = min(deadline, time.monotonic() + settle)
        self.ws.settimeout(max(30, timeout))
        value = self._call("Runtime.evaluate", {"expression": script, "returnByValue": True, "awaitPromise": True},
                           session=session, events=events)
        report = PageReport(result=value.get("result", {}).get("value"))
        for e in events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Network.requestWillBeSent":
                report.requests.append(p["request"]["url"])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                report.errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif m == "Runtime.exceptionThrown":
                report.errors.append("exception: " + p["exceptionDetails"].get("text", ""))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                report.errors.append("log: " + p["entry"]["text"])
            elif m == "Network.loadingFailed":
                report.errors.append(f"failed request: {p.get('errorText')}")
        self.ws.settimeout(30)
        self._call("Target.closeTarget", {"targetId": target}, events=[])
        return report

    def screenshot(self, url: str, settle: float = 2.0, width: int | None = None, full: bool = False) -> bytes:
        """A PNG of ``url`` after load plus ``settle`` seconds (for looking at, not for comparing);
        ``width`` lays it out that wide, ``full`` captures the whole page, not just the window."""
        import base64

        target = self._call("Target.createTarget", {"url": "about:blank"}, events=[])["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True}, events=[])["sessionId"]
        self._emulate(session, width, [])
        self._call("Page.enable", session=session, events=[])
        self._call("Page.navigate", {"url": url}, session=session, events=[])
        time.sleep(settle)
        self._call("Page.bringToFront", session=session, events=[])
        shot = self._call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full},
                          session=session, events=[])
        self._call("Target.closeTarget", {"targetId": target}, events=[])
        return base64.b64decode(shot["data"])

    def close(self):
        """End the browser and every helper process it started, then remove its profile folder.
        Killing the browser alone left its helpers writing into the profile while it was removed,
        and a ``suanli-chromium-*`` folder in the temporary folder about once a test run."""
        try:
            self._send("Browser.close")  # the browser's own orderly exit
            self.proc.wait(timeout=5)
        except Exception:
            pass
        try:
            self.ws.close()
        except Exception:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # whatever of its group is left
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for _ in range(50):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.lexists(self.profile):
                break
            time.sleep(0.1)
