"""The in-memory Notifier keeps the port's contract, so flow tests mean what they say."""

from __future__ import annotations

import inspect

import pytest

from bot.devtools.memory_notifier import InMemoryNotifier
from bot.slack import errors
from bot.slack.notifier import Notifier, SlackNotifier

PORT_METHODS = [
    name
    for name, member in inspect.getmembers(Notifier, inspect.isfunction)
    if not name.startswith("_")
]


@pytest.mark.parametrize("implementation", [SlackNotifier, InMemoryNotifier])
@pytest.mark.parametrize("method", PORT_METHODS)
def test_every_implementation_has_the_ports_signatures(implementation: type, method: str) -> None:
    expected = inspect.signature(getattr(Notifier, method))
    assert inspect.signature(getattr(implementation, method)) == expected


def test_the_port_has_the_methods_services_use() -> None:
    assert {"post", "dm", "update", "ephemeral", "open_view", "publish_home", "upload"} <= set(
        PORT_METHODS
    )


def test_posts_get_growing_timestamps_and_dms_land_in_the_users_dm() -> None:
    slack = InMemoryNotifier()
    first = slack.post("C1", "one")
    dm = slack.dm("UAMY", "hello")
    assert first.channel == "C1" and dm.channel == "DUAMY"
    assert float(dm.ts) > float(first.ts)
    assert [m.text for m in slack.dms("UAMY")] == ["hello"]
    slack.update("C1", first.ts, "one, edited")
    [edited] = slack.channel_messages("C1")
    assert (edited.text, edited.edits) == ("one, edited", 1)


def test_a_planned_failure_is_typed_like_slacks_and_runs_out() -> None:
    slack = InMemoryNotifier()
    slack.fail("dm", "messages_tab_disabled", times=2)
    for _ in range(2):
        with pytest.raises(errors.DmBlocked) as caught:
            slack.dm("UAMY", "x")
        assert (caught.value.method, caught.value.permanent) == ("chat.postMessage", True)
    slack.dm("UAMY", "x")
    assert len(slack.calls_to("dm")) == 3  # failed calls are recorded too


def test_a_failure_can_be_made_transient_or_permanent() -> None:
    slack = InMemoryNotifier()
    slack.fail("post", "is_archived", permanent=False)
    with pytest.raises(errors.ChannelArchived) as caught:
        slack.post("C1", "x")
    assert caught.value.permanent is False
    slack.fail("update", "internal_error", times=None)
    for _ in range(3):
        with pytest.raises(errors.SlackDeliveryError):
            slack.update("C1", "1.0", "x")


def test_an_unknown_method_cannot_be_failed() -> None:
    with pytest.raises(ValueError, match="no method 'send'"):
        InMemoryNotifier().fail("send", "internal_error")


def test_what_slack_would_refuse_is_refused() -> None:
    slack = InMemoryNotifier()
    slack.add_channel("GPRIV", private=True, member=False)
    slack.add_channel("COLD", archived=True)
    with pytest.raises(errors.NotInChannel):
        slack.post("GPRIV", "x")
    with pytest.raises(errors.ChannelArchived):
        slack.post("COLD", "x")
    with pytest.raises(errors.MessageGone):
        slack.update("C1", "1700000000.000001", "x")
    with pytest.raises(errors.UserGone):
        slack.user("UNOBODY")
    with pytest.raises(errors.UsergroupNotFound):
        slack.usergroup_members("SNONE")


def test_people_groups_and_channel_state_are_answered_from_memory() -> None:
    slack = InMemoryNotifier()
    slack.add_user("UAMY", "Amy", tz="Europe/Paris", deleted=True)
    slack.add_usergroup("SOPS", ["UAMY", "UBOB"])
    slack.add_channel("C1", "inc", member=False, topic="IC: Casey")
    assert slack.user("UAMY").tz == "Europe/Paris" and slack.user("UAMY").deleted
    assert slack.usergroup_members("SOPS") == ["UAMY", "UBOB"]
    assert slack.channel_info("C1")["is_member"] is False
    slack.post("C1", "joins a public channel")
    slack.invite("C1", ["UAMY"])
    slack.invite("C1", ["UAMY"])
    slack.set_topic("C1", "IC: Casey | Customer Liaison: Amy")
    slack.pin("C1", "1.0")
    slack.pin("C1", "1.0")
    info = slack.channel_info("C1")
    assert info["is_member"] and info["topic"]["value"].endswith("Amy")
    assert slack.members("C1") == ["UAMY"] and slack.pins["C1"] == ["1.0"]
    view_id = slack.open_view("trigger.1", {"type": "modal"})
    assert view_id.startswith("V") and slack.views[view_id] == {"type": "modal"}
    slack.publish_home("UAMY", {"type": "home"})
    assert slack.homes["UAMY"] == {"type": "home"}
    assert slack.upload("C1", filename="c.png", content=b"png", title="chart").startswith("F")
    slack.ephemeral("C1", "UAMY", "only you")
    assert [c.args["text"] for c in slack.ephemerals] == ["only you"]
    assert slack.permalink("C1", "1700000001.000100") == (
        "https://example.slack.com/archives/C1/p1700000001000100"
    )
