"""Liaison's entry point and composition root: the only place that constructs things.

python app.py                      serve Slack (HTTP, or Socket Mode with SLACK_APP_TOKEN)
python app.py demo                 run a scripted incident against an in-process fake Slack
python app.py migrate              bring the database schema up to date
python app.py import-accounts F    load the customer accounts directory from a CSV file
python app.py export --since D     write incidents, reports, updates, follow-ups and credits
                                   as CSV (--out DIR, default the current directory)
"""

from __future__ import annotations

import argparse
import logging
import sys
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

from jinja2 import BytecodeCache
from slack_bolt import App
from sqlalchemy import Engine, text

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.db import DatabaseNotMigrated, ensure_migrated, make_engine, make_session_factory, upgrade
from bot.dispatcher import ReminderDispatcher
from bot.edge.app import EdgeProbes, make_edge
from bot.edge.health import database_probe, scheduler_probe, slack_auth_probe
from bot.edge.metrics import EdgeMetrics
from bot.edge.sources import install_webhook_sources
from bot.edge.webhooks import WebhookRegistry
from bot.ids import ReportIds
from bot.lifecycle import LifecycleHooks
from bot.logs import configure_logging
from bot.rendering import Renderer, TemplateConfigError
from bot.runtime import Runtime
from bot.scheduler import ReminderScheduler
from bot.services.health import log_startup_health
from bot.services.metrics.prometheus import StoredFactsCollector
from bot.slack.auth import SlackUnreachable, check_bot_token
from bot.slack.client import make_web_client
from bot.slack.notifier import SlackNotifier
from bot.statuspage_web.site import build_site
from bot.wiring import install_capabilities
from handlers import inline_acks, register_all
from handlers.authorization import StartupAuthorization, tokenless_copy
from handlers.http import SlackEventsResource

log = logging.getLogger("liaison")

NO_TOKENS_MESSAGE = """\
Liaison needs a Slack app to talk to, and SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not \
set{missing}. Create the app from manifest.yml (api.slack.com/apps -> Create New App -> From \
a manifest), install it to your workspace, then put the bot token (xoxb-...) and the signing \
secret in .env (see .env.example); add SLACK_APP_TOKEN (xapp-...) to use Socket Mode instead \
of a public HTTP endpoint. To see what Liaison does without any Slack app, run \
`python app.py demo`: it plays a scripted incident through the real app against a fake Slack \
and prints every message, DM and modal it would produce."""


@dataclass
class Liaison:
    """Everything one process runs: the runtime, the Bolt app and its reminder scheduler."""

    rt: Runtime
    engine: Engine
    bolt: App
    scheduler: ReminderScheduler
    auth: StartupAuthorization

    @cached_property
    def metrics(self) -> EdgeMetrics:
        """The edge's Prometheus metrics: one set, shared by the edge and Socket Mode."""
        return EdgeMetrics(collectors=[StoredFactsCollector(self.rt)])

    def check_slack(self) -> None:
        """The start-up token check, unless the serving process already did it."""
        if self.auth.identity is None:
            settings = self.rt.settings
            self.auth.accept(
                check_bot_token(
                    settings.slack_bot_token,
                    settings.slack_api_url,
                    timeout=settings.slack_startup_timeout,
                )
            )

    def wsgi(self) -> Any:
        """The HTTP edge (a Falcon WSGI app); Slack's route only in HTTP mode."""
        self.check_slack()
        settings = self.rt.settings
        slack = None
        if not settings.socket_mode:
            slack = SlackEventsResource(
                self.bolt,
                settings.slack_signing_secret,
                settings.http_body_limit,
                observe=self.metrics.observe_slack,
            )
        database = database_probe(self.healthy)
        team = self.auth.identity.team_id if self.auth.identity else None
        probes = EdgeProbes(
            liveness={"database": database},
            readiness={
                "database": database,
                "slack": slack_auth_probe(lambda: team),
                "scheduler": scheduler_probe(
                    lambda: self.scheduler.last_success,
                    self.rt.clock,
                    max(3 * settings.scheduler_interval, timedelta(minutes=1)),
                ),
            },
        )
        webhooks = install_webhook_sources(WebhookRegistry(), self.rt)
        status_page = None
        if settings.status_page_path:
            status_page = (settings.status_page_path, build_site(self.rt))
        return make_edge(
            probes=probes,
            webhooks=webhooks,
            slack=slack,
            status_page=status_page,
            metrics=self.metrics,
        )

    def healthy(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    migrate: bool | None = None,
    listener_executor: Executor | None = None,
    template_cache: BytecodeCache | None = None,
) -> Liaison:
    """Construct the whole app; nothing is started and no request is served yet."""
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url)
    ensure_migrated(engine, auto_migrate=settings.auto_migrate if migrate is None else migrate)
    renderer = Renderer(settings.templates_dir or None, template_cache)
    renderer.validate_all()
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    sessions = make_session_factory(engine)
    rt = Runtime(
        settings=settings,
        clock=clock,
        sessions=sessions,
        notifier=SlackNotifier(client),
        renderer=renderer,
        hooks=LifecycleHooks(),
        dispatcher=ReminderDispatcher(
            sessions,
            clock,
            lease=settings.reminder_lease,
            batch_size=settings.reminder_batch_size,
            threads=settings.reminder_threads,
        ),
    )
    install_capabilities(rt)
    auth = StartupAuthorization(settings.slack_bot_token)
    bolt = App(
        # Named, Bolt does not walk the call stack to name the app (a cost per build). Bolt
        # also sets the level of the logger of this name, so it is not our "liaison".
        name="liaison.bolt",
        signing_secret=settings.slack_signing_secret,
        # No token on Bolt's client: requests are authorized from the start-up check.
        client=tokenless_copy(client),
        authorize=auth.authorizer(),
        # Bolt's default pool has 5 threads: slow listeners would queue past the 3 s ack.
        listener_executor=listener_executor
        or ThreadPoolExecutor(max_workers=settings.listener_threads, thread_name_prefix="listener"),
    )
    register_all(bolt, rt)
    # The report form's whole work is its answer: it runs on the request's thread.
    inline_acks.install(bolt, view_callbacks=[ReportIds.modal])
    scheduler = ReminderScheduler(rt.dispatcher, clock, settings.scheduler_interval)
    rt.wake = scheduler.wake
    return Liaison(rt=rt, engine=engine, bolt=bolt, scheduler=scheduler, auth=auth)


def serve(settings: Settings) -> int:
    """Check everything once in the master, then serve the edge from gunicorn workers.

    In Socket Mode each worker also holds a Socket Mode connection (Slack spreads events
    over up to 10 per app) while the HTTP server keeps serving health, metrics and
    webhooks on PORT.
    """
    # Before anything is counted: the start-up checks below call Slack, and those calls
    # are counted (bot/call_metrics.py) in the directory the workers will share.
    from bot.server import metrics_directory, run_gunicorn

    with metrics_directory():
        first = build(settings)  # migrate and validate once, before forking workers
        first.engine.dispose()
        first.check_slack()
        identity = first.auth.identity
        assert identity is not None
        log.info("Slack accepted SLACK_BOT_TOKEN (team %s)", identity.team or identity.team_id)
        log_startup_health(first.rt)

        def load() -> Any:
            liaison = build(settings)
            liaison.auth.accept(identity)
            liaison.scheduler.start()
            if settings.socket_mode:
                from handlers.socket_mode import MeteredSocketModeHandler

                MeteredSocketModeHandler(
                    liaison.bolt, settings.slack_app_token, observe=liaison.metrics.observe_slack
                ).connect()
            return liaison.wsgi()

        if settings.socket_mode:
            log.info("Liaison is connecting to Slack over Socket Mode; HTTP on port %s for "
                     "/healthz, /readyz, /metrics and /webhooks", settings.port)  # fmt: skip
        else:
            log.info("Liaison is serving Slack at http://0.0.0.0:%s/slack/events", settings.port)
        run_gunicorn(
            load,
            port=settings.port,
            workers=settings.web_concurrency,
            threads=settings.web_threads,
            log_level=settings.log_level,
            metrics_ready=True,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Liaison Slack app")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve Slack (the default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("demo", help="run a scripted incident against a fake Slack")
    importer = sub.add_parser("import-accounts", help="load the accounts directory from CSV")
    importer.add_argument("csv_path")
    exporter = sub.add_parser("export", help="write stored facts as CSV for BI tools")
    exporter.add_argument("--since", required=True, help="first day to export, YYYY-MM-DD")
    exporter.add_argument("--out", default=".", help="directory for the CSV files")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(
        settings.log_level,
        settings.log_format,
        secrets=(
            settings.slack_bot_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
            *settings.helpdesk_secrets(),
        ),
    )
    try:
        return _run(args, settings)
    except (DatabaseNotMigrated, TemplateConfigError, ConfigError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except SlackUnreachable as exc:
        print(exc, file=sys.stderr)
        return 1


def _run(args: Any, settings: Settings) -> int:
    if args.command == "migrate":
        engine = make_engine(settings.database_url)
        upgrade(engine)
        print(f"Database at {engine.url.render_as_string(hide_password=True)} is up to date.")
        return 0
    if args.command == "import-accounts":
        from bot.cli import import_accounts_command

        return import_accounts_command(settings, args.csv_path, SystemClock())
    if args.command == "export":
        from bot.cli_export import export_command

        return export_command(settings, args.since, args.out)
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo(build, settings)
    if not settings.has_slack_credentials:
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", settings.slack_bot_token),
                ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            )
            if not value
        ]
        print(NO_TOKENS_MESSAGE.format(missing=f" (missing: {', '.join(missing)})"))
        return 2
    return serve(settings)


if __name__ == "__main__":
    sys.exit(main())
