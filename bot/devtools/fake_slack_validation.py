"""What real Slack would reject in a message or a view, checked before the fake accepts it.

Two layers: Slack's Block Kit JSON Schema (shapes and per-element limits), and the
surface-level rules the schema cannot express (blocks per message, unique block_id,
unique action_id within a block, text lengths). The schema is optional so the demo
still runs without it; the surface rules always apply.
"""

from __future__ import annotations

import functools
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_MAX_TEXT = 40_000
TEXT_OBJECT_MAX = 3_000
VIEW_BUTTON_TEXT_MAX = 24
PRIVATE_METADATA_MAX = 3_000
SELECT_MAX_OPTIONS = 100
MAX_REPORTED_PROBLEMS = 10

SurfaceKind = Literal["message", "modal", "home", "block"]
_STATIC_SELECTS = frozenset({"static_select", "multi_static_select"})


def default_schema_path() -> Path | None:
    """The Block Kit schema to use when none is given: env first, then the shared copy.

    The shared copy sits next to the repository (``<repo>/../shared/slack``), which is
    where the project keeps Slack reference data; returns None when neither exists.
    """
    candidates: list[Path] = []
    if env_path := os.environ.get("BLOCK_KIT_SCHEMA"):
        candidates.append(Path(env_path))
    repo = Path(__file__).resolve().parents[2]
    candidates.append(repo.parent / "shared" / "slack" / "block-kit.schema.json")
    return next((path for path in candidates if path.is_file()), None)


@functools.lru_cache(maxsize=4)
def _compile_validators(path: str, mtime: float) -> dict[SurfaceKind, Draft202012Validator]:
    """Build one validator per surface; cached because every FakeSlack of a test run shares them.

    ``mtime`` is part of the cache key only so an edited schema file is picked up.
    """
    del mtime
    root = json.loads(Path(path).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(root)
    defs = root.get("$defs", {})
    validators: dict[SurfaceKind, Draft202012Validator] = {"message": Draft202012Validator(root)}
    # A schema without a definition for a surface (a permissive one, as the benchmarks
    # use) checks that surface's limits only; a message is judged whole without "block".
    for kind, name in (("modal", "modal_view"), ("home", "home_view"), ("block", "block")):
        if name in defs:
            validators[kind] = Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": defs})
    return validators


@functools.lru_cache(maxsize=16384)
def _known_problems(
    path: str, mtime: float, kind: SurfaceKind, canonical: str, prefix: str
) -> tuple[str, ...]:
    """The schema's verdict on one JSON text, remembered for the test process.

    Validating Block Kit's unions is the slowest part of the fake; the same block (a
    divider, a context line, a button row) and the same view come back many times in a
    run, and every test runs on two databases with the same payloads.
    """
    validator = _compile_validators(path, mtime)[kind]
    problems: list[str] = []
    for error in validator.iter_errors(json.loads(canonical)):
        problems += _explain(error, prefix)
    return tuple(problems)


class SurfaceChecker:
    """Lists the reasons Slack would refuse a message or view; an empty list means accepted."""

    def __init__(self, schema_path: Path | None) -> None:
        self.schema_path = schema_path
        self._validators: dict[SurfaceKind, Draft202012Validator] = {}
        self._key: tuple[str, float] = ("", 0.0)
        if schema_path is not None:
            resolved = schema_path.resolve()
            self._key = (str(resolved), resolved.stat().st_mtime)
            self._validators = _compile_validators(*self._key)

    @property
    def schema_loaded(self) -> bool:
        """Whether Block Kit schema validation is active (False: surface rules only)."""
        return bool(self._validators)

    def message_text_problems(self, text: Any) -> list[str]:
        """Problems with a message's top-level ``text`` (Slack answers ``msg_too_long``)."""
        if text is None:
            return []
        if not isinstance(text, str):
            return [f"text must be a string, got {type(text).__name__}"]
        if len(text) > MESSAGE_MAX_TEXT:
            return [f"text is {len(text)} characters, at most {MESSAGE_MAX_TEXT} allowed"]
        return []

    def message_blocks_problems(self, blocks: Any) -> list[str]:
        """Problems with a message's ``blocks`` (Slack answers ``invalid_blocks``)."""
        if blocks is None:
            return []
        if not isinstance(blocks, list):
            return ["blocks must be a JSON array"]
        problems = _blocks_surface_problems(blocks, max_blocks=MESSAGE_MAX_BLOCKS, where="blocks")
        problems += self._schema_problems("message", blocks, prefix="blocks")
        return _capped(problems)

    def view_problems(self, view: Any, kind: Literal["modal", "home"]) -> list[str]:
        """Problems with a modal (views.open/push/update) or App Home (views.publish) view."""
        if not isinstance(view, dict):
            return ["view must be a JSON object"]
        problems: list[str] = []
        if view.get("type") != kind:
            problems.append(f"view.type must be {kind!r}, got {view.get('type')!r}")
        if kind == "modal":
            for key in ("title", "submit", "close"):
                text = (
                    (view.get(key) or {}).get("text") if isinstance(view.get(key), dict) else None
                )
                if isinstance(text, str) and len(text) > VIEW_BUTTON_TEXT_MAX:
                    problems.append(
                        f"view.{key}.text is {len(text)} characters, "
                        f"at most {VIEW_BUTTON_TEXT_MAX} allowed"
                    )
        metadata = view.get("private_metadata")
        if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_MAX:
            problems.append(
                f"view.private_metadata is {len(metadata)} characters, "
                f"at most {PRIVATE_METADATA_MAX} allowed"
            )
        blocks = view.get("blocks")
        if isinstance(blocks, list):
            problems += _blocks_surface_problems(
                blocks, max_blocks=VIEW_MAX_BLOCKS, where="view.blocks"
            )
        problems += self._schema_problems(kind, view, prefix="view")
        return _capped(problems)

    def _schema_problems(self, kind: SurfaceKind, instance: Any, prefix: str) -> list[str]:
        if kind not in self._validators:
            return []
        if (
            kind == "message"
            and "block" in self._validators
            and isinstance(instance, list)
            and 0 < len(instance) <= 100
        ):
            # An array of blocks is valid when each block is: judged (and remembered) one
            # block at a time, with the same paths ("blocks[3].text") in the reasons.
            return [
                problem
                for index, block in enumerate(instance)
                for problem in self._known("block", block, f"{prefix}[{index}]")
            ]
        return self._known(kind, instance, prefix)

    def _known(self, kind: SurfaceKind, instance: Any, prefix: str) -> list[str]:
        try:
            canonical = json.dumps(instance, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return [f"{prefix}: not JSON"]
        return list(_known_problems(*self._key, kind, canonical, prefix))


def _capped(problems: list[str]) -> list[str]:
    """Dedupe (schema and surface rules can both catch a long title) and keep it readable."""
    unique = list(dict.fromkeys(problems))
    if len(unique) > MAX_REPORTED_PROBLEMS:
        extra = len(unique) - MAX_REPORTED_PROBLEMS
        return [*unique[:MAX_REPORTED_PROBLEMS], f"... and {extra} more"]
    return unique


def _blocks_surface_problems(blocks: list[Any], *, max_blocks: int, where: str) -> list[str]:
    """The rules Slack enforces across a surface, which a per-block schema cannot see."""
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"{where} has {len(blocks)} blocks, at most {max_blocks} allowed")
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{where}[{index}]"
        if not isinstance(block, dict):
            problems.append(f"{here} must be an object")
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_block_ids:
                problems.append(f"{here}: duplicate block_id {block_id!r}")
            seen_block_ids.add(block_id)
        seen_action_ids: set[str] = set()
        for path, node in _walk(block, here):
            action_id = node.get("action_id")
            if isinstance(action_id, str):
                if action_id in seen_action_ids:
                    problems.append(f"{path}: duplicate action_id {action_id!r} in one block")
                seen_action_ids.add(action_id)
            problems += _node_limit_problems(path, node)
    return problems


def _node_limit_problems(path: str, node: dict[str, Any]) -> list[str]:
    """Per-object limits: long text objects (section text included) and oversized selects."""
    problems: list[str] = []
    kind = node.get("type")
    text = node.get("text")
    if kind in ("mrkdwn", "plain_text") and isinstance(text, str) and len(text) > TEXT_OBJECT_MAX:
        problems.append(f"{path}.text is {len(text)} characters, at most {TEXT_OBJECT_MAX}")
    if kind in _STATIC_SELECTS:
        for key in ("options", "option_groups"):
            items = node.get(key)
            if isinstance(items, list) and len(items) > SELECT_MAX_OPTIONS:
                problems.append(
                    f"{path}.{key} has {len(items)} entries, at most {SELECT_MAX_OPTIONS}"
                )
    return problems


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object inside a block (the block included), with a readable path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def _explain(error: ValidationError, prefix: str) -> list[str]:
    """Turn a schema error into short reasons, looking inside Block Kit's type unions.

    Block Kit is a ``oneOf`` discriminated by ``type``; jsonschema reports a bad section
    as "not valid under any of the given schemas" with every branch's complaints. The
    branches whose ``type`` constant did not match are noise: keep the others.
    """
    if error.validator in ("oneOf", "anyOf") and error.context:
        by_branch: dict[Any, list[ValidationError]] = defaultdict(list)
        for sub in error.context:
            by_branch[sub.relative_schema_path[0]].append(sub)
        relevant = [subs for subs in by_branch.values() if not any(map(_is_type_miss, subs))]
        if relevant and len(relevant) < len(by_branch):
            return [reason for subs in relevant for sub in subs for reason in _explain(sub, prefix)]
        if all(sub.validator == "required" for sub in error.context):
            missing = ", ".join(
                dict.fromkeys(repr(sub.validator_value[0]) for sub in error.context)
            )
            return [f"{_where(error, prefix)}: needs one of {missing}"]
        instance = error.instance
        if not relevant and isinstance(instance, dict) and "type" in instance:
            return [f"{_where(error, prefix)}: type {instance['type']!r} is not allowed here"]
    return [f"{_where(error, prefix)}: {_shorten(error.message)}"]


def _is_type_miss(error: ValidationError) -> bool:
    return error.validator == "const" and list(error.relative_path) == ["type"]


def _where(error: ValidationError, prefix: str) -> str:
    path = prefix
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _shorten(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."
