"""A post's life has one home: forum/discussions/writing.py.

Only the writer changes a post's or a thread's status or a thread's reply count, and only it puts
post events on the outbox. These tests read the source, so a new path that edits those rows by
hand (as moderation, account deletion and the demo loader once did) fails here, before it can
drift from the rules.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "forum" / "discussions" / "writing.py"
PACKAGES = ("forum", "moderation", "search")

# `post.status = …`, `thread.status=…`, `.values(status=…)` on posts or threads, `reply_count=` or
# `reply_count +=` anywhere: every way the project has ever written those columns.
STATUS_WRITE = re.compile(r"\b(post|thread|p|t)\.status\s*=[^=]|\breply_count\s*(=[^=]|\+=|-=)")
VALUES_STATUS = re.compile(r"update\((Post|Thread)\)[^\n]*\n?[^\n]*\.values\([^)]*\bstatus=")
POST_EVENTS = ("POST_CREATED", "POST_EDITED", "POST_DELETED", "POST_VISIBILITY_CHANGED")


def _sources() -> list[Path]:
    return [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
            if "migrations" not in p.parts and p != HOME]


def test_only_the_writer_changes_post_and_thread_states_and_reply_counts() -> None:
    offenders = []
    for path in _sources():
        text = path.read_text()
        for n, line in enumerate(text.splitlines(), 1):
            # A view copying the count out (ThreadView(reply_count=thread.reply_count)) only reads it.
            copied = line.replace("reply_count=thread.reply_count", "")
            if STATUS_WRITE.search(copied) and "Mapped[" not in line and "reply_count: int" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)!r}" for m in VALUES_STATUS.finditer(text)]
    assert offenders == [], "write these through forum/discussions/writing.py:\n" + "\n".join(offenders)


def test_only_the_writer_emits_post_events() -> None:
    offenders = []
    for path in _sources():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if "emit(" in line and any(kind in line for kind in POST_EVENTS):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == [], "post events come from forum/discussions/writing.py:\n" + "\n".join(offenders)


def test_the_checks_above_would_catch_a_hand_written_change() -> None:
    # The patterns themselves, on lines like those the project used to have.
    assert STATUS_WRITE.search('        post.status = "deleted"')
    assert STATUS_WRITE.search("            thread.reply_count += 1")
    assert STATUS_WRITE.search("    .values(reply_count=count or 0))")
    assert STATUS_WRITE.search("Thread(topic_id=1, last_activity_at=start, reply_count=max(0, len(posts) - 1))")
    assert VALUES_STATUS.search('update(Post).where(Post.author_id == member.id)\n    .values(status="deleted")')
    assert not STATUS_WRITE.search("if post.status == PostStatus.PUBLISHED:")
    # And the writer itself does write them (the home is where the grep says it is).
    home = HOME.read_text()
    assert STATUS_WRITE.search(home) and any(f"emit(self.session, {kind}" in home for kind in POST_EVENTS)
