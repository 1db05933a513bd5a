"""Search past discussions: the backend protocol, the SQL and Meilisearch backends, indexing, pages."""
