"""The yardstick for bench/report_ack.py: a bare Slack Bolt app that only acks.

Same signature check (Bolt's request verification with the same signing secret), same
serving (bot/server.py: gunicorn, gthread workers, same thread count), no token check on
each request (like Liaison, it is authorized once): the least any Bolt app can do for a
``report.submit`` view submission. Everything Liaison does beyond that is what the
benchmark's ratios measure.

    SLACK_SIGNING_SECRET=... python bench/bare_ack_app.py --port 3100 --workers 2
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ids import ReportIds  # noqa: E402
from bot.server import run_gunicorn  # noqa: E402


def bare_wsgi(signing_secret: str) -> Any:
    """Bolt's own WSGI adapter around an app whose only listener acks the submission."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_bolt.authorization import AuthorizeResult

    def authorize(**_: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=None, team_id="T0001", bot_token="xoxb-bench", bot_user_id="UBOT"
        )

    app = App(signing_secret=signing_secret, authorize=authorize)

    def ack_only(ack: Any) -> None:
        ack()

    app.view(str(ReportIds.modal))(ack_only)
    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return wsgi


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    secret = os.environ["SLACK_SIGNING_SECRET"]
    load = lambda: bare_wsgi(secret)  # noqa: E731
    run_gunicorn(
        load, port=args.port, workers=args.workers, threads=args.threads, log_level="WARNING"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
