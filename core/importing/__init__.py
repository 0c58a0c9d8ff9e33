"""Reading marketing exports: bytes in, tidy long observations out (see ``reader``)."""

from core.importing.reader import (
    DEFAULT_MAX_BYTES,
    ColumnInfo,
    Message,
    ParsedFile,
    RejectedRow,
    read_file,
)
from core.importing.sources import Source, get_source, source_keys
from core.importing.values import PercentMode

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ColumnInfo",
    "Message",
    "ParsedFile",
    "PercentMode",
    "RejectedRow",
    "Source",
    "get_source",
    "read_file",
    "source_keys",
]
