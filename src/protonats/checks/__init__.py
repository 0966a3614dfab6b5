"""The event rules over descriptors: breaking-change rules between two sides (today run by
``protonats breaking`` over ``buf build`` images), schema compatibility and the allow-list.

Needs no connection and no runtime beyond the declarations' value rules.
"""
