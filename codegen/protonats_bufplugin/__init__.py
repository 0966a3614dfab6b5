"""``buf-plugin-protonats``: the protonats event rules as a ``buf lint`` / ``buf breaking``
check plugin (pluginrpc protocol; see ``__main__``). Imports nothing: start-up is the budget."""
