"""Prometheus: counters of handled, failed and dead-lettered messages, and handler durations."""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING, Any

from .._errors import ActorDeclarationError
from ._middleware import ErrorContext, Middleware, OkContext

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["PrometheusMiddleware"]

_LABELS = ("event", "actor")
_lock = threading.Lock()
_by_registry: dict[tuple[int, str], _Metrics] = {}


@dataclasses.dataclass(frozen=True, slots=True)
class _Metrics:
    handled: Counter
    failed: Counter
    dead_lettered: Counter
    duration: Histogram


@dataclasses.dataclass(frozen=True, slots=True)
class PrometheusMiddleware(Middleware):
    """Metrics labelled by ``event`` and ``actor``: ``<prefix>_handled_total``,
    ``<prefix>_failed_total`` (each failed attempt), ``<prefix>_dead_lettered_total`` and
    the histogram ``<prefix>_handler_duration_seconds``. Several middlewares on one registry
    share the metrics. Needs ``protonats[prometheus]`` (prometheus-client).
    """

    registry: CollectorRegistry | None = None
    """Where the metrics are registered; prometheus_client's default ``REGISTRY`` if None."""
    prefix: str = "protonats_actor"
    _metrics: _Metrics = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            import prometheus_client
        except ImportError as exc:
            raise ActorDeclarationError(
                "PrometheusMiddleware needs prometheus-client: pip install 'protonats[prometheus]'"
            ) from exc
        registry = self.registry if self.registry is not None else prometheus_client.REGISTRY
        with _lock:
            key = (id(registry), self.prefix)
            metrics = _by_registry.get(key)
            if metrics is None:
                p = self.prefix
                metrics = _Metrics(
                    prometheus_client.Counter(
                        f"{p}_handled", "Messages handled and acked", _LABELS, registry=registry
                    ),
                    prometheus_client.Counter(
                        f"{p}_failed", "Failed handler attempts", _LABELS, registry=registry
                    ),
                    prometheus_client.Counter(
                        f"{p}_dead_lettered",
                        "Messages given up on (dead letters)",
                        _LABELS,
                        registry=registry,
                    ),
                    prometheus_client.Histogram(
                        f"{p}_handler_duration_seconds",
                        "Seconds a handler ran",
                        _LABELS,
                        registry=registry,
                    ),
                )
                _by_registry[key] = metrics
        object.__setattr__(self, "_metrics", metrics)

    def on_success(self, ctx: OkContext[Any]) -> None:
        labels = (ctx.actor.event.name, ctx.actor.name)
        self._metrics.handled.labels(*labels).inc()
        self._metrics.duration.labels(*labels).observe(ctx.duration)

    def on_failure(self, ctx: ErrorContext[Any]) -> None:
        labels = (ctx.actor.event.name, ctx.actor.name)
        self._metrics.failed.labels(*labels).inc()
        if ctx.duration:
            self._metrics.duration.labels(*labels).observe(ctx.duration)

    def on_dead_letter(self, ctx: ErrorContext[Any]) -> None:
        self._metrics.dead_lettered.labels(ctx.actor.event.name, ctx.actor.name).inc()
