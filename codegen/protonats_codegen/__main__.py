"""``protoc-gen-protonats``: a CodeGeneratorRequest on stdin, its response on stdout."""

from __future__ import annotations

import sys

from google.protobuf.compiler import plugin_pb2

from ._plugin import generate


def main() -> int:
    """Read the request protoc or buf sends, write the response; errors travel in the response."""
    if sys.stdin.isatty():
        print(
            "protoc-gen-protonats is a protoc plugin: run it through "
            "`buf generate` or `protoc --protonats_out=...`, not directly.",
            file=sys.stderr,
        )
        return 2
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = generate(request, warn=lambda line: print(line, file=sys.stderr))
    sys.stdout.buffer.write(response.SerializeToString())
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
