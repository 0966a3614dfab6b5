"""Actor middlewares under walnats' module name: ``from protonats.middlewares import ...``
works where ``from walnats.middlewares import ...`` did. Also exported from ``protonats``."""

from .actors._middleware import Middleware
from .actors._otel import OpenTelemetryTraceMiddleware
from .actors._prometheus import PrometheusMiddleware

__all__ = ["Middleware", "OpenTelemetryTraceMiddleware", "PrometheusMiddleware"]
