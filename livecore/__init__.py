"""livecore: the real-time backend of a live-stream shopping room."""

__version__ = "0.1.0"
