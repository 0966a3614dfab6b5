"""OpenTelemetry: each job in a CONSUMER span that continues the emitter's trace."""

from __future__ import annotations

import contextvars
import dataclasses
from typing import TYPE_CHECKING, Any

from .. import _wire
from .._errors import ActorDeclarationError
from ._middleware import Context, ErrorContext, Middleware, OkContext

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

__all__ = ["OpenTelemetryTraceMiddleware"]

_JOB: contextvars.ContextVar[tuple[Span, object] | None] = contextvars.ContextVar(
    "protonats_otel_job", default=None
)


@dataclasses.dataclass(frozen=True, slots=True)
class OpenTelemetryTraceMiddleware(Middleware):
    """Runs each job in a span ``<event> process`` of kind CONSUMER whose parent is the span
    that emitted the message (its W3C ``traceparent`` header), so a trace goes from the
    producer through every actor. The span is current while the handler runs: spans the
    handler starts are its children. Failures are recorded on it; a job that is retried
    gets one span per attempt. Needs ``protonats[otel]`` (opentelemetry-api).
    """

    tracer: Tracer | None = None
    """The tracer to use; the global provider's ``protonats`` tracer when None."""

    def __post_init__(self) -> None:
        try:
            import opentelemetry.trace  # noqa: F401
        except ImportError as exc:
            raise ActorDeclarationError(
                "OpenTelemetryTraceMiddleware needs opentelemetry-api: "
                "pip install 'protonats[otel]'"
            ) from exc

    @property
    def span(self) -> Span | None:
        """The current job's span (from a handler, to add attributes or events)."""
        job = _JOB.get()
        return job[0] if job is not None else None

    def on_start(self, ctx: Context[Any]) -> None:
        from opentelemetry import context

        span, parent = self._start(ctx)
        from opentelemetry import trace

        token = context.attach(trace.set_span_in_context(span, parent))
        _JOB.set((span, token))

    def on_success(self, ctx: OkContext[Any]) -> None:
        self._end(None)

    def on_failure(self, ctx: ErrorContext[Any]) -> None:
        if _JOB.get() is None:  # it failed before on_start: an undecodable payload
            span, _parent = self._start(ctx)
            _JOB.set((span, None))
        self._end(ctx.exception)

    def _start(self, ctx: Context[Any]) -> tuple[Span, Any]:
        from opentelemetry import propagate, trace

        parent = propagate.extract(dict(ctx.headers))
        tracer = self.tracer if self.tracer is not None else trace.get_tracer("protonats")
        actor = ctx.actor
        span = tracer.start_span(
            f"{actor.event.name} process",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.operation.type": "process",
                "messaging.destination.name": actor.event.subject_name,
                "messaging.consumer.group.name": actor.name,
                "messaging.message.id": ctx.headers.get(_wire.MSG_ID, ""),
                "protonats.attempt": ctx.attempt,
                "protonats.stream.seq": ctx.seq_number,
            },
        )
        return span, parent

    def _end(self, error: BaseException | None) -> None:
        from opentelemetry import context, trace

        job = _JOB.get()
        if job is None:
            return
        span, token = job
        _JOB.set(None)
        if error is not None:
            span.record_exception(error)
            span.set_status(trace.Status(trace.StatusCode.ERROR, f"{type(error).__name__}"))
        span.end()
        if token is not None:
            context.detach(token)  # type: ignore[arg-type]
