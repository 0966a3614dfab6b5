"""THE reader (and writer) of the protobuf wire format by hand, for what needs no generated
classes: the buf plugin's protocol messages (so the handshake and list calls answer without
importing protobuf; start-up is its budget: buf starts the plugin about nine times a run) and
an extension's bytes inside serialized options (``checks._declarations``).

A message is written from ``(number, value)`` pairs and read into ``{number: [values]}``.
Malformed bytes raise ``ValueError``. Imports nothing, so importing it costs nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing and collections.abc cost start-up time; buf starts us 9 times
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["encode", "fields", "packed_varints", "read_varint", "varint"]

Value = int | bool | str | bytes
"""int and bool are varints; str and bytes are length-delimited."""


def varint(value: int) -> bytes:
    """The base-128 varint of ``value`` (negative int32/int64 as their 64-bit two's complement)."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode(pairs: Iterable[tuple[int, Value | None]]) -> bytes:
    """A message of ``(field number, value)`` pairs, in order; ``None``, ``0``, ``False`` and
    empty values are left out (proto3 defaults are not written)."""
    out = bytearray()
    for number, value in pairs:
        if value is None or value == 0 or value == "" or value == b"":
            continue
        if isinstance(value, bool | int):
            out += varint(number << 3) + varint(int(value))
            continue
        data = value.encode("utf-8") if isinstance(value, str) else value
        out += varint(number << 3 | 2) + varint(len(data)) + data
    return bytes(out)


def packed_varints(values: Iterable[int]) -> bytes:
    """The payload of a packed repeated varint field (``repeated int32`` in proto3)."""
    return b"".join(varint(v) for v in values)


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``data[pos:]`` and the position after it."""
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")


def fields(data: bytes) -> dict[int, list[int | bytes]]:
    """Every field of a serialized message: varints as int, length-delimited as bytes, fixed
    32/64-bit as int; groups (a proto2 extension of options may be one) are skipped. Raises
    ``ValueError`` on malformed input."""
    out: dict[int, list[int | bytes]] = {}
    pos, end = 0, len(data)
    while pos < end:
        tag, pos = read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise ValueError("field number 0")
        value: int | bytes
        if wire_type == 3:
            pos = _skip_group(data, pos, number)
            continue
        if wire_type == 0:
            value, pos = read_varint(data, pos)
        elif wire_type == 2:
            size, pos = read_varint(data, pos)
            if pos + size > end:
                raise ValueError("truncated length-delimited field")
            value, pos = data[pos : pos + size], pos + size
        elif wire_type in (1, 5):
            width = 8 if wire_type == 1 else 4
            if pos + width > end:
                raise ValueError("truncated fixed-width field")
            value, pos = int.from_bytes(data[pos : pos + width], "little"), pos + width
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
        out.setdefault(number, []).append(value)
    return out


def _skip_group(data: bytes, pos: int, number: int) -> int:
    """The position after the end-group tag of group ``number`` starting at ``pos``."""
    depth = [number]
    while depth:
        if pos >= len(data):
            raise ValueError("truncated group")
        tag, pos = read_varint(data, pos)
        inner, wire_type = tag >> 3, tag & 7
        if wire_type == 4:
            if inner != depth.pop():
                raise ValueError("mismatched end-group tag")
        elif wire_type == 3:
            depth.append(inner)
        elif wire_type == 0:
            pos = read_varint(data, pos)[1]
        elif wire_type == 2:
            size, pos = read_varint(data, pos)
            pos += size
        elif wire_type in (1, 5):
            pos += 8 if wire_type == 1 else 4
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
    if pos > len(data):
        raise ValueError("truncated group")
    return pos
