"""The demo: every process of a deployment plus a simulated live room, started by one command."""
