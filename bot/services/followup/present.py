"""The follow-up board as people see it: rendered sentences, then Block Kit."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import NotFound
from bot.models import Incident
from bot.runtime import Runtime
from bot.services.followup import board as followups
from bot.services.followup.board import NOT_NEEDED, TO_TELL, TOLD, Board, BoardLine
from bot.services.followup.credits import CreditLine, credits_for
from bot.slack.blocks import Block, bullet_list
from bot.slack.followup_blocks import board_blocks, lines_that_fit


@dataclass(frozen=True)
class BoardMessage:
    text: str
    blocks: list[Block]
    board: Board
    credits: list[CreditLine]


def board_message(rt: Runtime, incident_id: int, *, notice: str | None = None) -> BoardMessage:
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        board = followups.load_board(session, incident)
        credits = credits_for(session, incident_id)
        resolved = not incident.is_open
    render = rt.renderer.render
    if not board.lines:
        text = render("followup/board_empty.j2", incident_id=incident_id, resolved=resolved)
        return BoardMessage(text, board_blocks(text, [], more=None, credits=None), board, [])
    intro = render(
        "followup/board_intro.j2",
        board=board,
        to_tell=board.count(TO_TELL),
        told=board.count(TOLD),
        not_needed=board.count(NOT_NEEDED),
    )
    tiers = {credit.account_id: credit.tier for credit in credits}
    lines = [
        (
            render("followup/board_line.j2", line=line, credit_note=_credit_note(rt, line, tiers)),
            line,
        )
        for line in board.lines
    ]
    hidden = len(lines) - lines_that_fit(board.lines)
    more = render("impact/more.j2", count=hidden) if hidden > 0 else None
    credit_text = None
    if credits:
        credit_text = render("followup/credits.j2", credits=credits, visible=credits[0].visible)
    text = f"{intro}\n{bullet_list([line for line, _ in lines], limit=2500)}"
    blocks = board_blocks(intro, lines, more=more, credits=credit_text, notice=notice)
    return BoardMessage(text, blocks, board, credits)


def _credit_note(rt: Runtime, line: BoardLine, tiers: dict[str, str]) -> str | None:
    """What the customer's resolution message says about the credit they are owed."""
    if not line.credit_percent or line.account_id not in tiers:
        return None
    return rt.renderer.render(
        "followup/credit_note.txt.j2", tier=tiers[line.account_id], percent=line.credit_percent
    )
