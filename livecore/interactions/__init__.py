"""The interaction log: every viewer interaction, appended to a per-room Redis Stream."""
