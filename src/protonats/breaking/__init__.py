"""The breaking-change gate: event rules over two ``buf build`` images (descriptor sets).

Needs no connection and no runtime beyond the declarations' value rules; ``protonats breaking``
(the CLI) runs it.
"""
