"""Actor declarations, consumer and dead-letter plans, dead-letter headers: no server."""

from __future__ import annotations

import dataclasses

import pytest
from nats.js import api

from protonats import (
    Action,
    Actor,
    ActorDeclarationError,
    Actors,
    ConsumerConfigError,
    Event,
    Limits,
    Middleware,
    StreamExistsError,
)
from protonats.actors._config import (
    consumer_config,
    dead_letter_headers,
    dead_letter_stream,
    dead_letter_stream_config,
    dead_letter_subject,
    plan_consumer,
    plan_dead_letter_stream,
    replay_headers,
)

from .models import User

USER_REGISTERED = Event("user-registered", User, limits=Limits(replicas=3))


async def send_email(user: User) -> None:
    return None


def test_walnats_declaration_and_defaults() -> None:
    actor = Actor("send-email", USER_REGISTERED, send_email)
    assert actor.consumer_name == "send-email"
    assert (actor.ack_wait, actor.max_attempts, actor.max_ack_pending) == (16, None, 1000)
    assert (actor.max_jobs, actor.job_timeout, actor.pulse, actor.dead_letter) == (
        16,
        32,
        True,
        True,
    )
    assert actor.retry_delay == (0.5, 1, 2, 4)
    assert actor.is_async
    assert not Actor("print", USER_REGISTERED, print).is_async
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.name = "other"  # type: ignore[misc]


def test_retry_delay_per_attempt_last_value_repeats() -> None:
    actor = Actor("a", USER_REGISTERED, send_email, retry_delay=[0.5, 1, 2])
    assert actor.retry_delay == (0.5, 1, 2)
    assert [actor.delay_after(n) for n in (1, 2, 3, 4, 10)] == [0.5, 1, 2, 2, 2]
    assert Actor("b", USER_REGISTERED, send_email, retry_delay=()).delay_after(3) == 0


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": "Send_Email"}, "kebab-case"),
        ({"name": ""}, "kebab-case"),
        ({"ack_wait": 0}, "ack_wait must be positive"),
        ({"job_timeout": -1}, "job_timeout must be positive"),
        ({"max_attempts": 0}, "max_attempts must be an integer >= 1"),
        ({"max_jobs": 1.5}, "max_jobs must be an integer >= 1"),
        ({"max_ack_pending": 0}, "max_ack_pending"),
        ({"retry_delay": (1, -1)}, "retry_delay must be seconds >= 0"),
        ({"middlewares": (object(),)}, "Middleware"),
        ({"handler": 3}, "handler must be callable"),
        ({"event": "user-registered"}, "event must be a protonats.Event"),
    ],
)
def test_bad_declarations_name_the_field(changes: dict[str, object], words: str) -> None:
    args: dict[str, object] = {"name": "send-email", "event": USER_REGISTERED}
    args["handler"] = send_email
    args.update(changes)
    with pytest.raises(ActorDeclarationError, match=words):
        Actor(**args)  # type: ignore[arg-type]


def test_actors_refuse_duplicates_and_dead_letter_name_clashes() -> None:
    a = Actor("send-email", USER_REGISTERED, send_email)
    assert list(Actors(a, a)) == [a]  # the same actor twice is one
    with pytest.raises(ActorDeclarationError, match="two different actors"):
        Actors(a, Actor("send-email", USER_REGISTERED, send_email, max_jobs=2))
    clash = Event("user-registered-dead", User)
    with pytest.raises(ActorDeclarationError, match="user-registered-dead"):
        Actors(a, Actor("other", clash, send_email))
    Actors(Actor("x", USER_REGISTERED, send_email, dead_letter=False), Actor("y", clash, print))
    with pytest.raises(ActorDeclarationError, match="at least one"):
        Actors()


def test_consumer_config_leaves_attempt_counting_to_the_actor() -> None:
    actor = Actor("send-email", USER_REGISTERED, send_email, max_attempts=3, ack_wait=5)
    config = consumer_config(actor)
    assert config.durable_name == "send-email"
    assert config.filter_subject == "user-registered"
    assert config.ack_policy is api.AckPolicy.EXPLICIT
    assert config.max_deliver == -1  # never given up silently by the server
    assert config.ack_wait == 5
    assert config.metadata == {
        "protonats.actor": "send-email",
        "protonats.event": "user-registered",
        "protonats.max_attempts": "3",
    }


def test_consumer_plan_create_unchanged_update() -> None:
    actor = Actor("send-email", USER_REGISTERED, send_email)
    desired = consumer_config(actor)
    assert plan_consumer(actor, desired, None).action is Action.CREATE
    # The server echoes its defaults: still unchanged.
    echoed = dataclasses.replace(desired, max_deliver=-1, backoff=None, description="")
    assert plan_consumer(actor, desired, echoed).action is Action.UNCHANGED
    older = dataclasses.replace(desired, ack_wait=30.0)
    plan = plan_consumer(actor, desired, older)
    assert plan.action is Action.UPDATE
    assert [(c.field, c.old, c.new) for c in plan.changes] == [
        ("ack_wait", 30_000_000_000, 16_000_000_000)
    ]


def test_consumer_plan_refuses_foreign_consumers_and_frozen_fields() -> None:
    actor = Actor("send-email", USER_REGISTERED, send_email)
    desired = consumer_config(actor)
    foreign = dataclasses.replace(desired, metadata=None)
    plan = plan_consumer(actor, desired, foreign)
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, ConsumerConfigError)
    assert "not created by this protonats actor" in str(plan.error)
    push = dataclasses.replace(desired, deliver_policy=api.DeliverPolicy.NEW)
    plan = plan_consumer(actor, desired, push)
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, ConsumerConfigError)
    assert (plan.error.field, plan.error.old, plan.error.new) == ("deliver_policy", "new", "all")
    assert "cannot change deliver_policy" in str(plan.error)


def test_dead_letter_stream_has_its_own_limits_and_a_dotted_subject() -> None:
    config = dead_letter_stream_config(USER_REGISTERED, Limits(age=3600, messages=10))
    assert config.name == dead_letter_stream(USER_REGISTERED) == "user-registered-dead"
    assert config.subjects == [dead_letter_subject(USER_REGISTERED)] == ["user-registered.dead"]
    assert (config.max_age, config.max_msgs, config.num_replicas) == (3600.0, 10, 3)
    assert config.max_msg_size == -1
    assert config.metadata == {"protonats.dead_letters": "user-registered"}
    assert plan_dead_letter_stream(USER_REGISTERED, config, None).action is Action.CREATE
    assert plan_dead_letter_stream(USER_REGISTERED, config, config).action is Action.UNCHANGED
    longer = dead_letter_stream_config(USER_REGISTERED, Limits(age=7200, messages=10))
    plan = plan_dead_letter_stream(USER_REGISTERED, longer, config)
    assert plan.action is Action.UPDATE
    assert [c.field for c in plan.changes] == ["max_age"]


def test_a_stream_that_is_not_our_dead_letters_is_refused() -> None:
    config = dead_letter_stream_config(USER_REGISTERED, Limits())
    event_stream = dataclasses.replace(config, metadata={"protonats.event": "user-registered-dead"})
    plan = plan_dead_letter_stream(USER_REGISTERED, config, event_stream)
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, StreamExistsError)
    assert "is not protonats' dead-letter stream" in str(plan.error)


def test_dead_letter_headers_keep_the_original_and_say_why() -> None:
    original = {
        "Content-Type": "application/json",
        "Nats-Msg-Id": "signup-42",
        "Nats-Expected-Stream": "user-registered",
        "X-Tenant": "acme",
    }
    error = ValueError("smtp down\r\nretry later")
    headers = dead_letter_headers(
        original,
        event=USER_REGISTERED,
        actor="send-email",
        attempts=3,
        reason="attempts-used-up",
        error=error,
        seq=42,
    )
    assert headers == {
        "Content-Type": "application/json",
        "X-Tenant": "acme",
        "Nats-Expected-Stream": "user-registered-dead",
        "Nats-Msg-Id": "send-email:42",
        "Protonats-Dead-Actor": "send-email",
        "Protonats-Dead-Attempts": "3",
        "Protonats-Dead-Reason": "attempts-used-up",
        "Protonats-Dead-Seq": "42",
        "Protonats-Dead-Error-Type": "builtins.ValueError",
        "Protonats-Dead-Error": "smtp down retry later",
        "Protonats-Dead-Uid": "signup-42",
    }
    replay = replay_headers(headers, USER_REGISTERED)
    assert replay == {
        "Content-Type": "application/json",
        "X-Tenant": "acme",
        "Nats-Expected-Stream": "user-registered",
        "Nats-Msg-Id": "signup-42",
    }
    no_uid = dict(headers)
    del no_uid["Protonats-Dead-Uid"]
    assert replay_headers(no_uid, USER_REGISTERED)["Nats-Msg-Id"] == "replay:user-registered:42"


def test_middleware_hooks_default_to_nothing() -> None:
    class Counting(Middleware):
        pass

    Actor("a", USER_REGISTERED, send_email, middlewares=[Counting()])
