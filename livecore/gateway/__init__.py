"""The WebSocket gateway: viewers connect here, join rooms, and receive each room's merged frames."""
