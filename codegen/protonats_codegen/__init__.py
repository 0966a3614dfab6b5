"""protoc-gen-protonats: ``.proto`` event declarations -> typed ``protonats.Event`` constants.

Run by ``buf generate`` or ``protoc --protonats_out=...``; see ``buf.gen.yaml``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__: str = version("protonats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0+unknown"
