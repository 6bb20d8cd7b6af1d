"""Stream consumers run by ``livecore worker``: order persistence, payment timeouts, sale schedule, ..."""
