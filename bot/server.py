"""Gunicorn, run from Python, as the production HTTP server (HTTP mode and Socket Mode).

Each worker process builds its own app (engine, scheduler) after the fork: no connection
or thread is shared across processes. Reminders stay exactly-once because rows are
claimed atomically in the database, not because only one process runs.

Gunicorn's own logs go through the app's logging (bot/logs.py), so ``LOG_FORMAT=json``
applies to its error and access lines too; access lines name the method, path, status
and duration, never the query string or the body. Prometheus counts from every worker
are summed through a shared directory (see bot/edge/metrics.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from bot.edge.metrics import MULTIPROC_ENV

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, load: Callable[[], Any], options: dict[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._load()


class SharedLogs(glogging.Logger):  # type: ignore[misc]
    """Gunicorn's loggers without handlers of their own: records reach the app's handler."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        millis = request_time.total_seconds() * 1000
        self.access_log.info(
            "%s %s %s %.1fms", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
            status, millis,
            extra={
                "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
                "status": int(status), "duration_ms": round(millis, 1),
                "remote": environ.get("REMOTE_ADDR"),
            },
        )  # fmt: skip


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """A fresh directory for the workers' Prometheus files, set before any worker forks.

    An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used (emptied: files of an earlier
    run would be counted again); otherwise a temporary one lives as long as the server.
    """
    if "prometheus_client" in sys.modules:
        log.warning("prometheus_client was imported before the server set up its metrics "
                    "directory: /metrics may show one worker's counts only")  # fmt: skip
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="liaison-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


def run_gunicorn(
    load: Callable[[], Any],
    *,
    port: int,
    workers: int,
    log_level: str,
    threads: int = 8,
    metrics_ready: bool = False,
) -> None:
    """Serve until stopped; ``load`` runs in each worker to build that worker's app.

    ``metrics_ready``: the caller already runs inside ``metrics_directory`` (app.py does,
    since its start-up checks call Slack and those calls are counted).
    """
    if metrics_ready:
        _serve(load, port=port, workers=workers, log_level=log_level, threads=threads)
        return
    with metrics_directory():
        _serve(load, port=port, workers=workers, log_level=log_level, threads=threads)


def _serve(
    load: Callable[[], Any], *, port: int, workers: int, log_level: str, threads: int
) -> None:
    _Gunicorn(
        load,
        {
            "bind": f"0.0.0.0:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": "-",
            "loglevel": log_level.lower(),
            "logger_class": SharedLogs,
            "preload_app": False,
        },
    ).run()
