"""A small in-process HTTP server to build fakes of other systems' APIs on.

The fakes of Zendesk, Salesforce, PagerDuty, Jira and Statuspage share what the fake Slack
taught us: record every call so a test can assert what the system was asked, refuse calls
without the right credentials exactly as the real API does (so a missing header is a test
failure, not a production surprise), and let a test inject the failures the real service
produces (429 with Retry-After, 5xx, an answer too slow for the client's timeout).

A fake subclasses ``FakeService`` and registers routes; state lives on the instance.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Call:
    """One request the fake received, as a test wants to read it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is (XML, text) instead of JSON


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]  # named groups of the route's pattern

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Route = Callable[[Request], Answer]


@dataclass
class _Injected:
    pattern: re.Pattern[str]
    status: int | None
    delay: float
    retry_after: str | None
    remaining: int


class FakeService:
    """Routes, recorded calls, an auth check and injectable failures on port 0."""

    name = "service"

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Route]] = []
        self._injected: list[_Injected] = []
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self._server: ThreadingHTTPServer | None = None

    # -- what subclasses and tests use ------------------------------------------------

    def route(self, method: str, pattern: str, handler: Route) -> None:
        """``pattern`` is a regex over the path with named groups: r"/tickets/(?P<id>\\d+)"."""
        self._routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    def authorized(self, request: Request) -> bool:
        """Override: True when the request carries the credentials the real API needs."""
        return True

    def unauthorized(self, request: Request) -> Answer:
        return Answer(401, {"error": "Couldn't authenticate you"})

    def inject(
        self,
        path_pattern: str,
        *,
        status: int | None = 503,
        times: int = 1,
        retry_after: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` calls whose path matches answer ``status`` (with
        Retry-After when given) after ``delay`` seconds; ``status=None`` with a delay
        answers normally but late (a client with a shorter timeout sees a timeout)."""
        with self._lock:
            self._injected.append(
                _Injected(re.compile(path_pattern), status, delay, retry_after, times)
            )

    def calls_to(self, method: str, path_pattern: str) -> list[Call]:
        pattern = re.compile(f"^{path_pattern}$")
        with self._lock:
            return [c for c in self.calls if c.method == method and pattern.match(c.path)]

    # -- serving ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"fake {self.name} is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # tests read calls, not logs
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    params={},
                )
                answer = service._answer(request)
                data = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
                if answer.body is None and answer.raw is None:
                    data = b""
                try:
                    self.send_response(answer.status)
                    content_type = "application/json" if answer.raw is None else "text/xml"
                    headers = {"Content-Type": content_type, **answer.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (a timeout test); nothing to tell it

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: Request) -> Answer:
        injected = self._take_injected(request.path)
        if injected is not None and injected.delay:
            time.sleep(injected.delay)  # the real service being slow, not a test waiting
        if injected is not None and injected.status is not None:
            headers = {"Retry-After": injected.retry_after} if injected.retry_after else {}
            answer = Answer(injected.status, {"error": "injected failure"}, headers)
        elif not self.authorized(request):
            answer = self.unauthorized(request)
        else:
            answer = self._route(request)
        with self._lock:
            self.calls.append(
                Call(
                    request.method,
                    request.path,
                    request.query,
                    request.headers,
                    request.body,
                    answer.status,
                )
            )
        return answer

    def _take_injected(self, path: str) -> _Injected | None:
        with self._lock:
            for injected in self._injected:
                if injected.remaining > 0 and injected.pattern.search(path):
                    injected.remaining -= 1
                    return injected
        return None

    def _route(self, request: Request) -> Answer:
        known_path = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            known_path = True
            if method == request.method:
                routed = Request(**{**request.__dict__, "params": match.groupdict()})
                try:
                    return handler(routed)
                except (ValueError, KeyError, TypeError) as exc:
                    return Answer(400, {"error": f"bad request: {exc}"})
        if known_path:
            return Answer(405, {"error": "method not allowed"})
        return Answer(404, {"error": "not found"})
