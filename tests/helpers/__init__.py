"""Helpers the tests share, one module per area: `pages` (browser-like page sessions with CSRF),
`moderation` (a vocabulary over the API, the worker and the database), `warnings` (readers of each
kind and the surfaces they read)."""
