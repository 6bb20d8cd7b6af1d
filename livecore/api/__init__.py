"""The HTTP API: thin Starlette routes (decode -> service -> encode)."""
