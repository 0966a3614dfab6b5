"""Middleware hooks, OpenTelemetry traces from emit to actor, Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from protonats import (
    Actor,
    Actors,
    Context,
    ErrorContext,
    Event,
    Middleware,
    OkContext,
    OpenTelemetryTraceMiddleware,
    PrometheusMiddleware,
)
from protonats.jetstream import _trace

from .helpers import registered
from .models import User


class Recorder(Middleware):
    """Writes down every hook call; its async ``on_success`` runs as a task (``done``)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, Any]] = []
        self.done = asyncio.Event()

    def on_start(self, ctx: Context[Any]) -> None:
        self.calls.append(("start", ctx.message.id, ctx.attempt, ctx.seq_number))

    async def on_success(self, ctx: OkContext[Any]) -> None:
        self.calls.append(("success", ctx.message.id, ctx.attempts, ctx.duration > 0))
        self.done.set()

    def on_failure(self, ctx: ErrorContext[Any]) -> None:
        who = ctx.message.id if ctx.message is not None else "?"
        self.calls.append(("failure", who, ctx.attempt, (type(ctx.exception).__name__, ctx.final)))

    def on_dead_letter(self, ctx: ErrorContext[Any]) -> None:
        who = ctx.message.id if ctx.message is not None else "?"
        self.calls.append(("dead", who, ctx.attempt, type(ctx.exception).__name__))


class Broken(Middleware):
    def on_start(self, ctx: Context[Any]) -> None:
        raise RuntimeError("a broken middleware never stops a job")


async def test_hooks_see_attempts_durations_errors_and_dead_letters(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"hooked-{unique}", User)
    recorder = Recorder()
    handled: list[str] = []

    async def handle(user: User) -> None:
        if user.id == "bad":
            raise KeyError("bad")
        handled.append(user.id)

    actor = Actor(
        "hooked", event, handle, max_attempts=2, retry_delay=(0,), middlewares=[Broken(), recorder]
    )
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("ok", "x"))
        await conn.emit(event, User("bad", "x"))
        await js.publish(event.subject_name, b"garbage")
        async with Actors(actor).connect(nats_url) as actors:
            await actors.register()
            await actors.listen(burst=True, handle_signals=False)
        await asyncio.wait_for(recorder.done.wait(), 30)  # the async on_success tasks ran
    assert handled == ["ok"]
    calls = recorder.calls
    assert ("start", "ok", 1, 1) in calls
    assert ("success", "ok", 1, True) in calls
    assert ("failure", "bad", 1, ("KeyError", False)) in calls
    assert ("failure", "bad", 2, ("KeyError", True)) in calls
    assert ("dead", "bad", 2, "KeyError") in calls
    assert ("failure", "?", 1, ("DecodeError", True)) in calls
    assert ("dead", "?", 1, "DecodeError") in calls


async def test_a_trace_goes_from_emit_through_the_actor_to_the_handlers_spans(
    nats_url: str, unique: str
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    event = Event(f"traced-{unique}", User)
    done = asyncio.Event()

    async def handle(user: User) -> None:
        with tracer.start_as_current_span("send-mail"):
            done.set()

    actor = Actor("mailer", event, handle, middlewares=[OpenTelemetryTraceMiddleware(tracer)])
    async with registered(nats_url, event) as conn:
        with tracer.start_as_current_span("signup") as signup:
            await conn.emit(event, User("1", "x"))
        await conn.emit(event, User("2", "untraced"))  # no current span: no traceparent
        async with Actors(actor).connect(nats_url) as actors:
            await actors.register()
            await actors.listen(burst=True, handle_signals=False)
    assert done.is_set()
    spans = {s.name: s for s in exporter.get_finished_spans() if s.name != "send-mail"}
    mails = [s for s in exporter.get_finished_spans() if s.name == "send-mail"]
    consumers = [s for s in exporter.get_finished_spans() if s.name == f"{event.name} process"]
    assert len(consumers) == 2
    traced = next(s for s in consumers if s.parent is not None)
    untraced = next(s for s in consumers if s.parent is None)
    producer = spans["signup"].context
    assert traced.parent is not None
    assert traced.context.trace_id == producer.trace_id == signup.get_span_context().trace_id
    assert traced.parent.span_id == producer.span_id
    assert traced.kind is trace.SpanKind.CONSUMER
    assert (traced.attributes or {})["messaging.consumer.group.name"] == "mailer"
    # The handler's own span is a child of the consumer span.
    children = {m.parent.span_id for m in mails if m.parent is not None}
    assert traced.context.span_id in children
    assert untraced.context.trace_id != producer.trace_id


def test_emit_adds_no_header_without_a_current_span() -> None:
    assert _trace.current_trace is not None  # the dev extra has opentelemetry
    assert _trace.current_trace() is None


async def test_prometheus_counts_handled_failed_and_dead_lettered(
    nats_url: str, unique: str
) -> None:
    registry = CollectorRegistry()
    event = Event(f"counted-{unique}", User)

    async def handle(user: User) -> None:
        if user.id == "bad":
            raise ValueError("bad")

    metrics = PrometheusMiddleware(registry)
    assert PrometheusMiddleware(registry) == metrics  # a second one shares the metrics
    actor = Actor("counter", event, handle, max_attempts=3, retry_delay=(0,), middlewares=[metrics])
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User("1", "x"), User("2", "x"), User("bad", "x")])
        async with Actors(actor).connect(nats_url) as actors:
            await actors.register()
            await actors.listen(burst=True, handle_signals=False)
    labels = {"event": event.name, "actor": "counter"}

    def value(name: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("protonats_actor_handled_total") == 2
    assert value("protonats_actor_failed_total") == 3
    assert value("protonats_actor_dead_lettered_total") == 1
    assert value("protonats_actor_handler_duration_seconds_count") == 5
