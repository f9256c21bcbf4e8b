"""The single ``/liaison`` slash command and its subcommand router.

Capabilities add subcommands with ``CommandRouter.add``. The router acks at once (with
help or an error when it can tell without any I/O), then runs the subcommand after the
ack, so database and Web API work never delays Slack's 3-second deadline.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.runtime import Runtime


@dataclass(frozen=True)
class CommandCall:
    """One invocation of a subcommand, with everything a handler needs to answer."""

    rt: Runtime
    name: str
    args: str
    user_id: str
    channel_id: str
    channel_name: str
    trigger_id: str
    respond: Respond
    client: WebClient

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Answer privately to the person who ran the command."""
        self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


SubcommandHandler = Callable[[CommandCall], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    run: SubcommandHandler


class CommandRouter:
    """Maps the first word of ``/liaison <text>`` to a subcommand."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._commands: dict[str, Subcommand] = {}
        self._aliases: dict[str, str] = {}

    def add(
        self,
        name: str,
        run: SubcommandHandler,
        *,
        usage: str,
        summary: str,
        aliases: tuple[str, ...] = (),
    ) -> None:
        if name in self._commands or name in self._aliases:
            raise ValueError(f"subcommand {name!r} is registered twice")
        self._commands[name] = Subcommand(name, usage, summary, run)
        for alias in aliases:
            self._aliases[alias] = name

    @property
    def subcommands(self) -> list[Subcommand]:
        return list(self._commands.values())

    def help_text(self) -> str:
        return self._rt.renderer.render("common/help.j2", commands=self.subcommands)

    def handle(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Bolt listener for ``/liaison``."""
        text = (command.get("text") or "").strip()
        word, _, args = text.partition(" ")
        name = self._aliases.get(word.lower(), word.lower())
        if name in ("", "help"):
            ack(text=self.help_text())
            return
        subcommand = self._commands.get(name)
        if subcommand is None:
            known = [*self._commands, *self._aliases, "help"]
            suggestion = None
            for close in difflib.get_close_matches(name, known, n=1):
                target = self._aliases.get(close, close)
                suggestion = "help" if target == "help" else self._commands[target].usage
            ack(
                text=self._rt.renderer.render(
                    "common/unknown_subcommand.j2", name=word, suggestion=suggestion
                )
            )
            return
        ack()
        call = CommandCall(
            rt=self._rt,
            name=name,
            args=args.strip(),
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            channel_name=command.get("channel_name", ""),
            trigger_id=command.get("trigger_id", ""),
            respond=respond,
            client=client,
        )
        try:
            subcommand.run(call)
        except InvalidInput as exc:
            call.reply(
                self._rt.renderer.render(
                    "common/bad_arguments.j2", problem=exc.message, usage=subcommand.usage
                )
            )
        # Anything else is answered by the one error handler (handlers/errors.py).
