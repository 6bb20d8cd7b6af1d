"""Rooms as the host manages them: the room record, its cart and the product on screen, live sessions, and
the HTTP face of moderation. Each module owns its SQL; ``livecore.api`` only translates requests to calls.
Refusals are ``RefusedError`` (``livecore.core.outcome``); the API turns their codes into statuses."""
