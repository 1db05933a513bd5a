"""Moderation: classifiers, reports, the review queue, and the inline crisis-language check."""
