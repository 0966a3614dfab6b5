"""Talking to JetStream: connect, register streams, publish with acks, pull and consume.

``_config`` is the pure mapping of an event to its stream config and the plan to get there;
everything else here holds a live connection. The public names are re-exported from
``protonats``.
"""
