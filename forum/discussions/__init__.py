"""Topics, threads, posts and support reactions."""
