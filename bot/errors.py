"""Typed domain errors. One Bolt error path turns them into what the user sees.

``field`` names the modal input an error belongs to, so view submissions can show it
inline (``response_action: errors``) instead of failing silently.
"""

from __future__ import annotations


class LiaisonError(Exception):
    """Base for errors a user can act on; the message is shown to them as written."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(LiaisonError):
    """The thing asked for does not exist (or is not visible from here)."""


class InvalidInput(LiaisonError):
    """Input that cannot be accepted; ``field`` points at the culprit when there is one."""


class InvalidTransition(LiaisonError):
    """The action does not fit the current state (resolving a resolved incident)."""


class NotPermitted(LiaisonError):
    """The user may not do this (accepting someone else's liaison role)."""


class FieldErrors(LiaisonError):
    """Several modal fields are wrong at once: ``errors`` maps block_id to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
