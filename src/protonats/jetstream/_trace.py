"""The trace context an emitted message carries: W3C ``traceparent`` when OpenTelemetry is
installed and a span is current. Without OpenTelemetry, ``current_trace`` is None and emit
pays one ``is None`` check."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["current_trace"]

current_trace: Callable[[], dict[str, str] | None] | None

try:
    from opentelemetry import propagate, trace
except ImportError:  # the otel extra is not installed
    current_trace = None
else:

    def _current_trace() -> dict[str, str] | None:
        """Headers of the current span's context (``traceparent``, ...), or None if none."""
        if not trace.get_current_span().get_span_context().is_valid:
            return None
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # the configured propagator: W3C trace context by default
        return carrier or None

    current_trace = _current_trace
