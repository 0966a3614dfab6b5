"""The protonats event rules over descriptors, run inside buf by ``buf-plugin-protonats``
(``protonats_bufplugin``): the breaking rules, schema compatibility, reading event declarations,
and ``protonats breaking`` (which runs ``buf breaking``).

Needs no connection and no runtime beyond the declarations' value rules.
"""
