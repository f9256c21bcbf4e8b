"""Liaison's entry point and composition root: the only place that constructs things.

python app.py                      serve Slack (HTTP, or Socket Mode with SLACK_APP_TOKEN)
python app.py demo                 run a scripted incident against an in-process fake Slack
python app.py migrate              bring the database schema up to date
python app.py import-accounts F    load the customer accounts directory from a CSV file
"""

from __future__ import annotations

import argparse
import logging
import sys
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from jinja2 import BytecodeCache
from slack_bolt import App
from sqlalchemy import Engine, text

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.db import DatabaseNotMigrated, ensure_migrated, make_engine, make_session_factory, upgrade
from bot.dispatcher import ReminderDispatcher
from bot.lifecycle import LifecycleHooks
from bot.rendering import Renderer, TemplateConfigError
from bot.runtime import Runtime
from bot.scheduler import ReminderScheduler
from bot.slack.client import make_web_client
from bot.slack.notifier import SlackNotifier
from bot.wiring import install_capabilities
from handlers import register_all
from handlers.http import WsgiApp, make_wsgi_app

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

    def wsgi(self) -> WsgiApp:
        return make_wsgi_app(self.bolt, self.healthy)

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
    bolt = App(
        signing_secret=settings.slack_signing_secret,
        client=client,
        token_verification_enabled=False,
        # Bolt's default pool has 5 threads: slow listeners would queue past the 3 s ack.
        listener_executor=listener_executor
        or ThreadPoolExecutor(max_workers=settings.listener_threads, thread_name_prefix="listener"),
    )
    register_all(bolt, rt)
    scheduler = ReminderScheduler(rt.dispatcher, clock, settings.scheduler_interval)
    rt.wake = scheduler.wake
    return Liaison(rt=rt, engine=engine, bolt=bolt, scheduler=scheduler)


def serve(settings: Settings) -> int:
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        liaison = build(settings)
        liaison.scheduler.start()
        log.info("Liaison is connecting to Slack over Socket Mode")
        SocketModeHandler(liaison.bolt, settings.slack_app_token).start()
        return 0
    build(settings).engine.dispose()  # migrate and validate once, before forking workers
    from bot.server import run_gunicorn

    def load() -> WsgiApp:
        liaison = build(settings)
        liaison.scheduler.start()
        return liaison.wsgi()

    log.info("Liaison is serving Slack at http://0.0.0.0:%s/slack/events", settings.port)
    run_gunicorn(load, port=settings.port, workers=settings.web_concurrency)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Liaison Slack app")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve Slack (the default)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("demo", help="run a scripted incident against a fake Slack")
    importer = sub.add_parser("import-accounts", help="load the accounts directory from CSV")
    importer.add_argument("csv_path")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return _run(args, settings)
    except (DatabaseNotMigrated, TemplateConfigError, ConfigError) as exc:
        print(exc, file=sys.stderr)
        return 2


def _run(args: Any, settings: Settings) -> int:
    if args.command == "migrate":
        engine = make_engine(settings.database_url)
        upgrade(engine)
        print(f"Database at {engine.url.render_as_string(hide_password=True)} is up to date.")
        return 0
    if args.command == "import-accounts":
        from bot.cli import import_accounts_command

        return import_accounts_command(settings, args.csv_path, SystemClock())
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
