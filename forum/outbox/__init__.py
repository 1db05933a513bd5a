"""The transactional outbox: events stored with the change, delivered by a worker."""
