"""Jinja2 rendering of every sentence a person reads (Slack mrkdwn, never JSON).

Operators can override any template from ``TEMPLATES_DIR``. Each template directory has a
``_samples.json`` giving a sample context per template; ``validate_all`` renders every
template (built-in and override) with it at startup, so a syntax error or an undefined
variable is reported with file and line before the first incident, not during one.

Durations (a ``timedelta`` in the context, or the ``duration`` filter) are rounded the one
way ``bot.durations.people_parts`` documents, in mrkdwn and plain text alike.

Templates named ``*.txt.j2`` produce plain text instead (modal drafts, words customers will
receive): nothing is mrkdwn-escaped, and dates are written out rather than Slack tokens.
"""

from __future__ import annotations

import json
import threading
import traceback
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
)

from bot.durations import format_for_people, words_for_people
from bot.text import plural

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "templates"
SAMPLES_FILE = "_samples.json"
PLAIN_SUFFIX = ".txt.j2"
# Markdown documents (drafted reports) are plain text too: Markdown, not mrkdwn.
PLAIN_SUFFIXES = (PLAIN_SUFFIX, ".md.j2")


BUILTIN_SET = "builtin"


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by the apps one process builds (tests, benchmarks).

    Compiling every template is most of what building the app costs; the bucket key and
    checksum come from the template's name and source, so an edited or overriding template
    is compiled afresh.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()
        # Template sets that rendered their samples cleanly: the
        # start-up check need not render them again for the next app of this process.
        self._validated: set[str] = set()

    def validated(self, key: str) -> bool:
        with self._lock:
            return key in self._validated

    def mark_validated(self, key: str) -> None:
        with self._lock:
            self._validated.add(key)

    def load_bytecode(self, bucket: Any) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Any) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


class Mrkdwn(str):
    """Text that is already valid mrkdwn and must not be escaped again."""


class TemplateConfigError(RuntimeError):
    """A template that cannot render; the message names file and line."""


def escape_mrkdwn(value: Any) -> str:
    """Escape the three characters Slack treats as markup in user-supplied text."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Mrkdwn):
        return value
    if isinstance(value, timedelta):
        return format_for_people(value)
    if isinstance(value, datetime):
        return slack_date(value)
    return escape_mrkdwn(value)


def _finalize_plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return words_for_people(value)
    if isinstance(value, datetime):
        return plain_date(value)
    return value


def plain_date(moment: datetime | str, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A date written out for plain text (in the moment's own zone; UTC from the DB)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime(fmt)


def slack_date(moment: datetime | str, fmt: str = "{date_short_pretty} {time}") -> Mrkdwn:
    """Slack date token: every reader sees the time in their own time zone."""
    if isinstance(moment, str):  # sample contexts are JSON, so they carry ISO strings
        moment = datetime.fromisoformat(moment)
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return Mrkdwn(f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>")


def _user(user_id: Any) -> Mrkdwn:
    return Mrkdwn(f"<@{escape_mrkdwn(user_id)}>") if user_id else Mrkdwn("nobody")


def _channel(channel_id: Any) -> Mrkdwn:
    return Mrkdwn(f"<#{escape_mrkdwn(channel_id)}>") if channel_id else Mrkdwn("no channel")


def _link(url: Any, label: Any = None) -> Mrkdwn:
    if not url:
        return Mrkdwn(escape_mrkdwn(label or ""))
    url_text = escape_mrkdwn(url).replace("|", "%7C")
    return Mrkdwn(f"<{url_text}|{escape_mrkdwn(label)}>" if label else f"<{url_text}>")


class Renderer:
    """Renders ``templates/<area>/<name>.j2``; an override directory wins per file."""

    def __init__(
        self, override_dir: str | Path | None = None, bytecode_cache: BytecodeCache | None = None
    ) -> None:
        dirs = [Path(override_dir)] if override_dir else []
        for directory in dirs:
            if not directory.is_dir():
                raise TemplateConfigError(f"TEMPLATES_DIR {directory} is not a directory")
        self._override_dir = dirs[0] if dirs else None
        self._bytecode_cache = bytecode_cache
        loader = ChoiceLoader([FileSystemLoader(str(d)) for d in [*dirs, BUILTIN_DIR]])
        self._env = _environment(loader, _finalize, bytecode_cache)
        self._plain_env = _environment(loader, _finalize_plain, bytecode_cache)
        self._plain_env.filters.update(date=plain_date, duration=words_for_people, plural=plural)
        self._env.filters.update(
            e=escape_mrkdwn,
            user=_user,
            channel=_channel,
            link=_link,
            date=slack_date,
            duration=format_for_people,
            plural=plural,
        )

    def render(self, name: str, /, **context: Any) -> str:
        """Render one template to mrkdwn (plain text for ``*.txt.j2``), stripped of
        surrounding blank lines."""
        return self._env_for(name).get_template(name).render(**context).strip()

    def _env_for(self, name: str) -> Environment:
        return self._plain_env if name.endswith(PLAIN_SUFFIXES) else self._env

    def template_names(self) -> list[str]:
        return sorted(n for n in self._env.list_templates() if n.endswith(".j2"))

    def validate_all(self) -> None:
        """Render every template with its sample context; raise one error listing all faults.

        With a shared ``MemoryBytecodeCache`` the built-in set, once checked clean in this
        process, is not rendered again (sets with an override folder always are).
        """
        cache = self._bytecode_cache
        shared = isinstance(cache, MemoryBytecodeCache) and self._override_dir is None
        if shared and cache.validated(BUILTIN_SET):
            return
        problems: list[str] = []
        samples = _load_samples(BUILTIN_DIR)
        for name in self.template_names():
            if name not in samples:
                problems.append(f"{name}: no sample context in {SAMPLES_FILE}")
                continue
            problem = self._try_render(name, samples[name])
            if problem:
                problems.append(problem)
        if problems:
            raise TemplateConfigError("Template errors:\n  " + "\n  ".join(problems))
        if shared:
            cache.mark_validated(BUILTIN_SET)

    def _try_render(self, name: str, context: dict[str, Any]) -> str | None:
        try:
            template = self._env_for(name).get_template(name)
            template.render(**context)
        except TemplateSyntaxError as exc:
            return f"{exc.filename or name}, line {exc.lineno}: {exc.message}"
        except TemplateError as exc:
            filename, line = _template_frame(exc, name)
            return f"{filename}, line {line}: {exc}"
        except Exception as exc:  # a filter choking on sample data is still a template fault
            filename, line = _template_frame(exc, name)
            return f"{filename}, line {line}: {type(exc).__name__}: {exc}"
        return None


def _environment(
    loader: ChoiceLoader, finalize: Any, bytecode_cache: BytecodeCache | None
) -> Environment:
    return Environment(
        bytecode_cache=bytecode_cache,
        loader=loader,
        undefined=StrictUndefined,
        autoescape=False,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Templates are read once: the ones in use are the ones validated at startup.
        auto_reload=False,
    )


def _template_frame(exc: BaseException, name: str) -> tuple[str, int | str]:
    """Find the template file and line in a rendering traceback (Jinja rewrites frames)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno or "?"
    return name, "?"


def _load_samples(root: Path) -> dict[str, dict[str, Any]]:
    samples: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob(SAMPLES_FILE)):
        prefix = path.parent.relative_to(root).as_posix()
        for filename, context in json.loads(path.read_text(encoding="utf-8")).items():
            key = f"{prefix}/{filename}" if prefix != "." else filename
            samples[key] = context
    return samples


def sample_contexts() -> dict[str, dict[str, Any]]:
    """The built-in sample context of every template (for tests and the demo)."""
    return _load_samples(BUILTIN_DIR)
