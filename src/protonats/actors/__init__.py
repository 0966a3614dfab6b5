"""Actors: typed handlers of events with retries, dead letters and graceful shutdown.

``_actor`` declares an ``Actor``; ``_config`` is the pure mapping of actors to consumer and
dead-letter stream configs and their plans; ``_registry``/``_connected`` register and listen;
``_runner`` runs one actor's jobs; ``_middleware`` has the hooks; ``_io`` every nats-py call.
The public names are re-exported from ``protonats``.
"""
