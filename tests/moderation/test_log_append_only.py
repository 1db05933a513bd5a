"""The moderation log is append-only in the database itself (migration 0008): no code path and no
hand-written SQL can change or remove an entry. The one change it allows is the foreign key's own:
when the acting member deletes their account, their entries stay, attributed to nobody."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from forum.accounts.services import AccountService
from moderation.models import ModAction


async def a_logged_action(session) -> tuple[int, int]:
    """(entry id, acting moderator id): a moderator hid a post, as the log records it."""
    moderator = await AccountService(session, fast_hashing=True).register("mod", "a-long-password-123")
    entry = ModAction(actor_id=moderator.id, action="hide", target_kind="post", target_id=42,
                      reason="Unkind to another member", details={"before": "published"})
    session.add(entry)
    await session.commit()
    return entry.id, moderator.id


@pytest.mark.parametrize("statement", [
    "UPDATE mod_actions SET reason = 'nothing happened' WHERE id = :id",
    "UPDATE mod_actions SET actor_id = NULL, action = 'restore' WHERE id = :id",
    "UPDATE mod_actions SET target_id = 7 WHERE id = :id",
    "DELETE FROM mod_actions WHERE id = :id",
], ids=["rewrite the reason", "disown and rewrite", "retarget", "remove"])
async def test_an_entry_can_not_be_changed_or_removed_in_sql(db, session, statement) -> None:
    entry_id, _ = await a_logged_action(session)
    async with db.session() as other:
        with pytest.raises(DBAPIError, match="append-only"):
            await other.execute(text(statement), {"id": entry_id})
            await other.commit()
    async with db.session() as check:
        row = (await check.execute(select(ModAction.reason, ModAction.target_id, ModAction.action)
                                   .where(ModAction.id == entry_id))).one()
    assert tuple(row) == ("Unkind to another member", 42, "hide")


async def test_a_moderator_who_deletes_their_account_leaves_their_entries_attributed_to_nobody(db, session) -> None:
    entry_id, moderator_id = await a_logged_action(session)
    async with db.session() as other:
        accounts = AccountService(other, fast_hashing=True)
        await accounts.delete_account(await accounts.get(moderator_id), remove_posts=True)
    async with db.session() as check:
        entry = await check.get(ModAction, entry_id)
    assert entry is not None
    assert (entry.actor_id, entry.action, entry.reason, entry.target_id) == (None, "hide",
                                                                              "Unkind to another member", 42)
