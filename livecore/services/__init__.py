"""Finding or starting the Redis and PostgreSQL servers livecore needs."""
