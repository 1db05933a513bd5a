"""The admin page: topics, the content-warning taxonomy, and what the forum is running with."""
