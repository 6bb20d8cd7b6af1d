"""Machine-readable contracts generated from the msgspec types: JSON Schema of the WebSocket protocol, an
AsyncAPI 3.0 document for it, and an OpenAPI 3.1 document for the HTTP API. ``python -m livecore.contracts``
writes them under ``docs/contracts/``; ``--check`` fails when the committed files differ from the code."""

from .asyncapi import asyncapi_document
from .openapi import openapi_document
from .schema import protocol_schema

__all__ = ["asyncapi_document", "openapi_document", "protocol_schema"]
