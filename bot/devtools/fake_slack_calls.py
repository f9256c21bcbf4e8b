"""The fake Slack's record of calls and violations, and waiting on it from a test.

One condition guards the record and (through FakeSlack) the workspace, so a call is
recorded in the same critical section that changed the workspace: whoever wakes
from ``wait_for`` reads a workspace that already shows the call's effect.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received: Web API method (or ``response_url``/``file_upload``),
    its decoded arguments (token removed), when it arrived, and its order of arrival."""

    method: str
    params: dict[str, Any]
    at: float
    seq: int


class CallLog:
    """Every call in arrival order, every violation, and a condition to wait on."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self.violations: list[str] = []
        # Re-entrant so a ``where`` filter may read the fake while wait_for holds it.
        self.changed = threading.Condition(threading.RLock())
        self._seq = itertools.count(1)

    def record(self, method: str, params: dict[str, Any], at: float) -> None:
        """Append a call (raw bytes left out: uploads are recorded by length) and wake waiters."""
        recorded = {k: v for k, v in params.items() if not isinstance(v, bytes)}
        with self.changed:
            self.calls.append(RecordedCall(method, recorded, at, next(self._seq)))
            self.changed.notify_all()

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self.changed:
            return [call for call in self.calls if call.method == method]

    def clear(self) -> None:
        with self.changed:
            self.calls.clear()

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Block until ``count`` calls to ``method`` (matching ``where``) were recorded.

        Returns every matching call recorded so far (at least ``count``); on timeout
        raises AssertionError naming the calls and violations seen, which is usually
        the whole diagnosis of a failed end-to-end test.
        """
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                matching = [
                    call
                    for call in self.calls
                    if call.method == method and (where is None or where(call))
                ]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        self._timeout_message(method, count, timeout, len(matching), where)
                    )
                self.changed.wait(remaining)

    def _timeout_message(
        self, method: str, count: int, timeout: float, got: int, where: object
    ) -> str:
        seen = Counter(call.method for call in self.calls)
        summary = ", ".join(f"{name} x{n}" for name, n in seen.items()) or "none"
        message = (
            f"FakeSlack: timed out after {timeout:g}s waiting for {count} call(s) to {method}"
            f"{' matching the filter' if where else ''}; got {got}. "
            f"Calls seen so far: {summary}."
        )
        if self.violations:
            message += " Violations: " + " | ".join(self.violations)
        return message
