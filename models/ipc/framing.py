"""Message framing on the IPC sockets, both ways: a 4-byte little-endian length, then UTF-8.

Invariant: ``decode_length(encode(text)[:4])`` is the byte length of the body that follows.
"""

from __future__ import annotations

import json
import struct

PREFIX_SIZE = 4
MAX_FRAME = 16 * 1024 * 1024


class FramingError(ValueError):
    """A frame that cannot be read: a cut-off prefix or body, or an impossible length."""


def encode_prefix(body: bytes) -> bytes:
    return struct.pack("<I", len(body))


def encode(text: str) -> bytes:
    body = text.encode("utf-8")
    return encode_prefix(body) + body


def decode_length(prefix: bytes) -> int:
    if len(prefix) != PREFIX_SIZE:
        raise FramingError(f"length prefix cut off after {len(prefix)} of {PREFIX_SIZE} bytes")
    (length,) = struct.unpack("<I", prefix)
    if length > MAX_FRAME:
        raise FramingError(f"frame length {length} exceeds {MAX_FRAME}")
    return int(length)


def decode_body(body: bytes) -> str:
    return body.decode("utf-8")


def frame_type(text: str) -> str | None:
    """The ``type`` of a control frame's JSON body, or None for a malformed one."""
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    kind = frame.get("type") if isinstance(frame, dict) else None
    return kind if isinstance(kind, str) else None
