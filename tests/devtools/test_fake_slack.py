"""The fake Slack speaks the Web API as slack_sdk expects, and refuses what Slack refuses."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.devtools import fake_slack as fake_slack_module
from bot.devtools.fake_slack import FakeSlack

# The real schema: /work/shared/slack next to the repository (/work/main).
SCHEMA = Path(__file__).resolve().parents[2].parent / "shared/slack/block-kit.schema.json"


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def select(option_count: int) -> dict[str, Any]:
    options = [{"text": plain(str(i)), "value": str(i)} for i in range(option_count)]
    element = {"type": "static_select", "action_id": "pick", "options": options}
    return section("Pick", accessory=element)


def buttons(*action_ids: str) -> dict[str, Any]:
    elements = [{"type": "button", "text": plain(a), "action_id": a} for a in action_ids]
    return {"type": "actions", "elements": elements}


def modal(title: str = "Report impact", **extra: Any) -> dict[str, Any]:
    field = {"type": "plain_text_input", "action_id": "value"}
    block = {"type": "input", "block_id": "customer", "label": plain("Who"), "element": field}
    title_and_submit = {"title": plain(title), "submit": plain("Submit")}
    return {"type": "modal", "callback_id": "r", **title_and_submit, "blocks": [block], **extra}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(schema_path=SCHEMA) as server:
        server.add_user("U1", "ana", real_name="Ana Lima", tz="Europe/Paris", email="a@x.io")
        server.add_user("U2", "bo")
        server.add_user("UGONE", "gone", deleted=True)
        server.add_channel("C1", "incident-42", members=["UBOT", "U1"])
        server.add_channel("COLD", "old-incident", archived=True, members=["UBOT"])
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[])


def error_of(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def error_code(method: Any, **arguments: Any) -> str:
    """The Slack error code a WebClient method call fails with."""
    return error_of(lambda: method(**arguments)).response["error"]


def test_post_update_and_read_back(fake: FakeSlack, client: WebClient) -> None:
    auth = client.auth_test()
    assert fake.schema_loaded and (auth["user_id"], auth["team_id"]) == ("UBOT", "T0001")
    valid = [buttons("a", "b"), buttons("a"), select(100)]  # action_id repeats across blocks
    assert client.chat_postMessage(channel="C1", text="Pick", blocks=valid)["ok"]
    fake.clear()
    client.chat_delete(channel="C1", ts=fake.messages("C1")[0]["ts"])
    posted = client.chat_postMessage(channel="C1", text="Impact: 3", blocks=[section("*3*")])
    first = client.chat_postMessage(channel="C1", text="reply", thread_ts=posted["ts"])
    assert posted["channel"] == "C1" and float(first["ts"]) > float(posted["ts"])

    updated = client.chat_update(channel="C1", ts=posted["ts"], text="Impact: 4")

    assert updated["message"]["text"] == "Impact: 4"
    summary, reply = fake.messages("C1")
    assert summary == {
        "ts": posted["ts"],
        "text": "Impact: 4",
        "blocks": [section("*3*")],  # not sent with the update, so kept, as in Slack
        "user": "UBOT",
        "edited": True,
    }
    assert reply["thread_ts"] == posted["ts"] and reply["edited"] is False
    assert fake.wait_for("chat.update")[0].params["ts"] == posted["ts"]
    assert fake.violations == []


def test_ordinary_slack_errors_are_not_violations(fake: FakeSlack, client: WebClient) -> None:
    assert error_code(client.chat_update, channel="C1", ts="1.2", text="x") == "message_not_found"
    assert error_code(client.chat_postMessage, channel="CNOPE", text="x") == "channel_not_found"
    assert error_code(client.chat_postMessage, channel="COLD", text="x") == "is_archived"
    assert fake.violations == []


def test_bot_must_join_before_posting(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C2", "support")
    fake.add_channel("CPRIV", "escalations", is_private=True, members=["U1"])

    refused = error_code(client.chat_postMessage, channel="C2", text="x")
    client.conversations_join(channel="C2")
    client.chat_postMessage(channel="C2", text="x")
    private = error_code(client.chat_postMessage, channel="CPRIV", text="x")

    assert refused == "not_in_channel"
    assert [m["text"] for m in fake.messages("C2")] == ["x"]
    assert private == "channel_not_found"
    assert fake.violations == []


def test_missing_arguments_are_violations(fake: FakeSlack, client: WebClient) -> None:
    post, method = client.api_call, "chat.postMessage"
    assert error_code(post, api_method=method, json={"channel": "C1"}) == "no_text"
    assert error_code(post, api_method=method, json={"text": "hi"}) == "channel_not_found"
    assert len(fake.violations) == 2
    assert all(v.startswith("chat.postMessage: ") for v in fake.violations)


def test_form_encoded_json_strings_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "t", "blocks": json.dumps([section("hi")])},
    )
    assert fake.calls_to("chat.postMessage")[0].params["blocks"] == [section("hi")]
    assert fake.messages("C1")[0]["blocks"] == [section("hi")]


def test_dm_by_user_id_lands_in_the_users_dm(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="You are the liaison")
    opened = client.conversations_open(users="U1")

    assert posted["channel"] == opened["channel"]["id"] == fake.dm_channel("U1") == "DU1"
    assert opened["already_open"] is True
    assert [m["text"] for m in fake.messages("DU1")] == ["You are the liaison"]
    assert error_code(client.conversations_open, users="UBOT") == "cannot_dm_bot"
    assert error_code(client.conversations_open, users="UX") == "user_not_found"


def test_ephemeral_message(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C1", user="U1", text="Only you", blocks=[])
    assert answer["message_ts"]
    assert fake.ephemerals(user="U1")[0]["text"] == "Only you"
    assert fake.messages("C1") == []
    with pytest.raises(SlackApiError):
        client.api_call("chat.postEphemeral", json={"channel": "C1", "text": "no user"})
    assert fake.violations == ["chat.postEphemeral: missing required argument user"]


@pytest.mark.parametrize(
    ("channel", "users", "error"),
    [
        ("C1", "U1", "already_in_channel"),
        ("C1", "U1,UX", "user_not_found"),
        ("C1", "UGONE", "user_is_inactive"),
        ("COLD", "U2", "is_archived"),
        ("CNOPE", "U2", "channel_not_found"),
    ],
)
def test_invite_errors(
    fake: FakeSlack, client: WebClient, channel: str, users: str, error: str
) -> None:
    assert error_code(client.conversations_invite, channel=channel, users=users) == error
    assert fake.violations == []


def test_invite_adds_members(fake: FakeSlack, client: WebClient) -> None:
    client.conversations_invite(channel="C1", users=["U1", "U2"])
    assert fake.channels["C1"].members == ["UBOT", "U1", "U2"]
    info = client.conversations_info(channel="C1")["channel"]
    assert (info["name"], info["num_members"], info["is_member"]) == ("incident-42", 3, True)


def test_rate_limit_answers_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("chat.postMessage", retry_after=7)

    error = error_of(lambda: client.chat_postMessage(channel="C1", text="x"))

    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]  # consumed once
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_slack_sdk_retry_handler_retries_after_429(fake: FakeSlack) -> None:
    fake.rate_limit("chat.postMessage", retry_after=0)
    retrying = WebClient(
        token="xoxb-test", base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    assert retrying.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_fail_and_server_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("conversations.setTopic", "channel_not_found", times=2)
    fake.server_error("users.info", status=503)

    for _ in range(2):
        failed = error_code(client.conversations_setTopic, channel="C1", topic="t")
        assert failed == "channel_not_found"
    assert error_of(lambda: client.users_info(user="U1")).response.status_code == 503
    topic = client.conversations_setTopic(channel="C1", topic="SEV1")["channel"]["topic"]
    assert topic["value"] == "SEV1"
    user = client.users_info(user="U1")["user"]
    assert (user["real_name"], user["profile"]["email"]) == ("Ana Lima", "a@x.io")
    assert user["tz"] == "Europe/Paris" and user["tz_offset"] in (3600, 7200)


def test_delay_slows_answers_until_removed(fake: FakeSlack, client: WebClient) -> None:
    fake.delay("auth.test", 0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    fake.delay("auth.test", 0)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


@pytest.mark.parametrize(
    ("blocks", "reason"),
    [
        ([section(f"line {i}") for i in range(51)], "51 blocks, at most 50"),
        ([{"type": "fancy", "text": "hi"}], "type 'fancy' is not allowed here"),
        ([section("a", block_id="x"), section("b", block_id="x")], "duplicate block_id 'x'"),
        ([section("x" * 3001)], "3001 characters"),
        ([{"type": "section"}], "needs one of 'text', 'fields'"),
        ([select(101)], "options has 101 entries, at most 100"),
        ([buttons("go", "stop"), buttons("go", "go")], "duplicate action_id 'go' in one block"),
    ],
)
def test_invalid_blocks_are_rejected_and_recorded(
    fake: FakeSlack, client: WebClient, blocks: list[dict[str, Any]], reason: str
) -> None:
    error = error_of(lambda: client.chat_postMessage(channel="C1", text="t", blocks=blocks))

    assert error.response["error"] == "invalid_blocks"
    assert any(reason in e for e in error.response["errors"]), error.response["errors"]
    assert len(fake.violations) == 1 and reason in fake.violations[0]
    assert fake.messages("C1") == []


def test_long_text_is_refused(fake: FakeSlack, client: WebClient) -> None:
    error = error_of(lambda: client.chat_postMessage(channel="C1", text="x" * 40_001))
    assert error.response["error"] == "msg_too_long"
    assert fake.violations == ["chat.postMessage: text is 40001 characters, at most 40000 allowed"]


def test_modal_open_update_and_home_publish(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="123.456", view=modal(private_metadata='{"i": 1}'))
    view = opened["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["private_metadata"] == '{"i": 1}' and view["state"] == {"values": {}}

    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Thanks"))
    stale = error_code(client.views_update, view_id=view["id"], hash=view["hash"], view=modal())
    missing = error_code(client.views_update, view_id="VNOPE", view=modal())
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("Hi")]})

    assert updated["view"]["title"]["text"] == "Thanks"
    assert (stale, missing) == ("hash_conflict", "not_found")
    assert fake.homes["U1"]["id"] == home["view"]["id"]
    assert fake.views[view["id"]]["title"]["text"] == "Thanks"
    assert fake.violations == []


@pytest.mark.parametrize(
    ("view", "reason"),
    [
        (modal("A title of 25 characters!"), "view.title.text is 25 characters"),
        (modal(private_metadata="m" * 3001), "private_metadata is 3001 characters"),
        ({**modal(), "submit": None}, "submit"),
        ({"type": "home", "blocks": [section("x")]}, "view.type must be 'modal'"),
    ],
)
def test_invalid_modals_are_rejected(
    fake: FakeSlack, client: WebClient, view: dict[str, Any], reason: str
) -> None:
    view = {k: v for k, v in view.items() if v is not None}
    error = error_of(lambda: client.views_open(trigger_id="1.2", view=view))

    assert error.response["error"] == "invalid_arguments"
    assert any(reason in m for m in error.response["response_metadata"]["messages"])
    assert len(fake.violations) == 1 and fake.violations[0].startswith("views.open: ")


def test_views_need_trigger_id_and_publish_needs_home(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.api_call("views.open", json={"view": modal()})
    with pytest.raises(SlackApiError):
        client.views_publish(user_id="U1", view=modal())
    assert fake.violations[0] == "views.open: missing required argument trigger_id"
    assert "view.type must be 'home'" in fake.violations[1]


def test_file_upload_flow(fake: FakeSlack, client: WebClient) -> None:
    uploaded = client.files_upload_v2(
        channel="C1", content=b"\x89PNG fake", filename="x.png", initial_comment="Impact"
    )

    file_id = uploaded["file"]["id"]
    stored = fake.files[file_id]
    assert (stored.content, stored.length, stored.channel) == (b"\x89PNG fake", 9, "C1")
    assert (stored.initial_comment, stored.completed) == ("Impact", True)
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    assert fake.violations == []


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_response_url_posts_are_recorded_and_validated(fake: FakeSlack) -> None:
    url = fake.response_url("report")
    assert post_json(url, {"response_type": "ephemeral", "text": "Attached"}) == {"ok": True}

    call = fake.wait_for("response_url", where=lambda c: c.params["response_url_name"] == "report")
    assert call[0].params["text"] == "Attached"

    assert post_json(fake.response_url(), {"blocks": [{"type": "nope"}]})["ok"] is False
    assert fake.violations and fake.violations[0].startswith("response_url: invalid_blocks")


def test_wait_for_blocks_until_the_call_arrives(fake: FakeSlack, client: WebClient) -> None:
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="late")).start()
    calls = fake.wait_for("chat.postMessage", timeout=5)
    assert calls[0].params["text"] == "late"
    assert fake.messages("C1")[0]["text"] == "late"  # effect visible once recorded


def test_wait_for_timeout_says_what_was_seen(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    client.users_info(user="U1")
    with pytest.raises(AssertionError) as caught:
        fake.wait_for("chat.postMessage", count=2, timeout=0.2)
    message = str(caught.value)
    assert "2 call(s) to chat.postMessage" in message
    assert "auth.test x1, users.info x1" in message
    fake.clear()
    assert fake.calls == []


def test_token_and_method_are_checked(fake: FakeSlack, client: WebClient) -> None:
    anonymous = WebClient(base_url=fake.url, retry_handlers=[])
    assert error_code(anonymous.auth_test) == "not_authed"
    assert error_code(client.api_call, api_method="chats.postMessage") == "unknown_method"
    assert fake.violations == ["auth.test: no token sent", "chats.postMessage: unknown method"]


def test_message_side_methods(fake: FakeSlack, client: WebClient) -> None:
    ts = fake.add_message("C1", "Checkout is down for us", user="U1")

    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    client.reactions_add(channel="C1", timestamp=ts, name="eyes")
    client.pins_add(channel="C1", timestamp=ts)
    again = error_code(client.pins_add, channel="C1", timestamp=ts)
    client.bookmarks_add(channel_id="C1", title="Status page", type="link", link="https://s.io")
    not_ours = error_code(client.chat_delete, channel="C1", ts=ts)

    assert link == f"https://fake.slack.com/archives/C1/p{ts.replace('.', '')}"
    assert fake.reactions("C1", ts) == ["eyes"]
    assert again == "already_pinned" and fake.pins == {"C1": [ts]}
    assert fake.bookmarks["C1"][0]["title"] == "Status page"
    assert not_ours == "cant_delete_message"
    assert fake.violations == []


def test_people_and_groups(fake: FakeSlack, client: WebClient) -> None:
    fake.add_usergroup("S1", "support", ["U1", "UGONE"])

    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1"]
    assert error_code(client.usergroups_users_list, usergroup="S9") == "no_such_subteam"
    first = client.users_list(limit=2)
    rest = client.users_list(limit=2, cursor=first["response_metadata"]["next_cursor"])
    names = [u["name"] for u in first["members"] + rest["members"]]
    assert names == ["liaison", "ana", "bo", "gone"]
    assert client.conversations_members(channel="C1")["members"] == ["UBOT", "U1"]
    joined = client.conversations_join(channel="C1")
    assert joined["warning"] == "already_in_channel"


def test_without_schema_surface_limits_still_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fake_slack_module, "default_schema_path", lambda: None)
    with FakeSlack() as fake:
        fake.add_channel("C1", "general", members=["UBOT"])
        client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[])
        assert not fake.schema_loaded
        assert client.chat_postMessage(channel="C1", text="t", blocks=[{"type": "fancy"}])["ok"]
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C1", text="t", blocks=[section("x")] * 51)
        assert len(fake.violations) == 1


def test_a_permissive_schema_accepts_any_block_and_keeps_the_limits(tmp_path: Path) -> None:
    """The benchmarks' schema defines no surfaces: any block passes, the limits still hold."""
    schema = tmp_path / "permissive.schema.json"
    schema.write_text(json.dumps({"$defs": {"modal_view": {}, "home_view": {}}}))
    with FakeSlack(schema_path=schema) as fake:
        fake.add_channel("C1", "general", members=["UBOT"])
        client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[])
        assert client.chat_postMessage(channel="C1", text="t", blocks=[{"type": "fancy"}])["ok"]
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C1", text="t", blocks=[section("x")] * 51)
        assert len(fake.violations) == 1
