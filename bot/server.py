"""Gunicorn, run from Python, as the production HTTP server for HTTP mode.

Each worker process builds its own app (engine, scheduler) after the fork: no connection
or thread is shared across processes. Reminders stay exactly-once because rows are
claimed atomically in the database, not because only one process runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


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


def run_gunicorn(load: Callable[[], Any], *, port: int, workers: int, threads: int = 16) -> None:
    """Serve until stopped; ``load`` runs in each worker to build that worker's app."""
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
            "preload_app": False,
        },
    ).run()
