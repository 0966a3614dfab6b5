"""Declaring events: ``Event``, ``Limits`` and its policies, ``Events``, serializers.

Pure declarations, validated at construction; nothing here talks to a server. The public names
are re-exported from ``protonats``.
"""
