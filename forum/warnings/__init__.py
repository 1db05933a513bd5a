"""Content warnings: the seed taxonomy, the suggester and the database models."""
