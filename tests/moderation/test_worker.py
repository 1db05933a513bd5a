"""The moderation worker: scores posts in micro-batches, flags and hides by threshold, and is
idempotent, because outbox events arrive at least once and workers crash."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from forum.discussions.models import Post
from forum.outbox.models import OutboxEvent
from forum.outbox.worker import OutboxWorker
from moderation.models import Flag
from tests.helpers.moderation import KIND, THREAT, UNKIND, ScriptedClassifier, classifier_subscriber, use_classifier


async def _flags(forum, post_id: int, source: str = "classifier") -> list[Flag]:
    async with forum.db.session() as s:
        return list(await s.scalars(select(Flag).where(Flag.post_id == post_id, Flag.source == source)))


async def _events(forum) -> list:
    from forum.outbox.worker import EventData

    async with forum.db.session() as s:
        rows = await s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        return [EventData(e.id, e.kind, dict(e.payload), e.attempts) for e in rows]


async def test_an_unkind_reply_is_scored_flagged_and_hidden_until_a_moderator_looks(forum) -> None:
    await forum.members("ash", "bob", "cal", mod="sam")
    thread = await forum.thread("ash")
    unkind = await forum.reply("bob", thread["id"], UNKIND)

    await forum.work()

    async with forum.db.session() as s:
        scores = await s.scalar(select(Post.classifier_scores).where(Post.id == unkind["id"]))
    assert scores["toxicity"] >= 0.97
    assert await forum.post_status(unkind["id"]) == "hidden"
    assert unkind["id"] not in await forum.thread_post_ids(thread["id"], as_="cal")
    assert unkind["id"] not in await forum.thread_post_ids(thread["id"])
    assert unkind["id"] in await forum.thread_post_ids(thread["id"], as_="bob"), "authors still see their own post"
    item = await forum.item_for("sam", unkind["id"])
    assert item["sources"] == ["classifier"] and item["scores"]["toxicity"] >= 0.97
    assert any("hidden until a moderator" in n for n in await forum.notices("bob"))
    entry = (await forum.log("sam"))[0]
    assert (entry["action"], entry["actor"]) == ("auto-hide", "Haven (automatic)")


async def test_a_threat_below_the_hide_threshold_is_flagged_but_stays_up(forum) -> None:
    await forum.members("ash", "bob", mod="sam")
    thread = await forum.thread("ash")
    threat = await forum.reply("bob", thread["id"], THREAT)
    await forum.work()
    item = await forum.item_for("sam", threat["id"])
    assert "threat" in item["score_labels"]
    assert await forum.post_status(threat["id"]) == "published"
    assert threat["id"] in await forum.thread_post_ids(thread["id"])


async def test_kind_words_and_swearing_in_pain_are_scored_but_not_flagged(forum) -> None:
    await forum.members("ash", mod="sam")
    thread = await forum.thread("ash", "Mum", "I fucking hate that my mum's gone. Some days are so hard.")
    await forum.reply("ash", thread["id"], KIND)
    await forum.work()
    assert await forum.queue("sam") == []
    async with forum.db.session() as s:
        assert all(await s.scalars(select(Post.classifier_scores)))


async def test_posts_are_scored_in_micro_batches_not_one_at_a_time(forum) -> None:
    scripted = use_classifier(forum.app, ScriptedClassifier())
    await forum.members("ash")
    thread = await forum.thread("ash")
    for n in range(5):
        await forum.reply("ash", thread["id"], f"Reply number {n}. {KIND}")
    await forum.work()
    assert scripted.batches == [6], "one call for the opening post and the five replies"


async def test_the_same_events_handled_twice_make_one_flag(forum) -> None:
    use_classifier(forum.app, ScriptedClassifier({"NASTY": {"toxicity": 0.9}}))
    await forum.members("ash", "bob", mod="sam")
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], "NASTY words")
    events = [e for e in await _events(forum) if e.kind == "post.created"]
    subscriber = classifier_subscriber(forum.app)

    await subscriber.handle(events)
    await subscriber.handle(events)

    assert len(await _flags(forum, reply["id"])) == 1


async def test_a_replayed_event_does_not_reopen_a_flag_a_moderator_has_decided(forum) -> None:
    use_classifier(forum.app, ScriptedClassifier({"NASTY": {"toxicity": 0.99}}))
    await forum.members("ash", "bob", mod="sam")
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], "NASTY words")
    await forum.work()
    item = await forum.item_for("sam", reply["id"])
    assert (await forum.resolve("sam", item["id"], "approve")).status_code == 200
    events = [e for e in await _events(forum) if e.kind == "post.created"]

    await classifier_subscriber(forum.app).handle(events)

    assert await forum.queue("sam") == []
    assert await forum.post_status(reply["id"]) == "published", "the moderator's decision stands"


async def test_a_crash_mid_batch_is_retried_and_leaves_one_flag_per_post(forum) -> None:
    scripted = use_classifier(forum.app, ScriptedClassifier({"NASTY": {"toxicity": 0.9}}, fail_times=1))
    await forum.members("ash", "bob", mod="sam")
    thread = await forum.thread("ash")
    first = await forum.reply("bob", thread["id"], "NASTY one")
    second = await forum.reply("bob", thread["id"], "NASTY two")

    await forum.work()  # the batch fails once; the worker retries the events and they succeed

    assert scripted.fail_times == 0
    for reply in (first, second):
        assert len(await _flags(forum, reply["id"])) == 1
    async with forum.db.session() as s:
        assert await s.scalar(select(OutboxEvent.id).where(OutboxEvent.done_at.is_(None))) is None
    async with forum.db.session() as s:  # and a full replay after a crash changes nothing
        await s.execute(update(OutboxEvent).values(done_at=None, completed=[]))
        await s.commit()
    await forum.work()
    for reply in (first, second):
        assert len(await _flags(forum, reply["id"])) == 1


async def test_flags_survive_a_worker_that_dies_after_flagging_before_marking_done(forum) -> None:
    use_classifier(forum.app, ScriptedClassifier({"NASTY": {"toxicity": 0.9}}))
    await forum.members("ash", "bob", mod="sam")
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], "NASTY words")
    subscribers = forum.app.state.composition.subscribers
    dying = OutboxWorker(forum.db, subscribers, lease_seconds=0.2)
    claimed = await dying.claim()
    for subscriber in subscribers:  # it did the work, then the process was killed
        await subscriber.handle([e for e in claimed if e.kind in subscriber.kinds])
    await asyncio.sleep(0.3)  # its lease runs out

    await forum.work()

    assert len(await _flags(forum, reply["id"])) == 1
    assert (await forum.item_for("sam", reply["id"]))["sources"] == ["classifier"]


async def test_an_edit_is_scored_again_but_a_moderators_edit_is_not(forum) -> None:
    scripted = use_classifier(forum.app, ScriptedClassifier({"NASTY": {"toxicity": 0.9}}))
    await forum.members("ash", "bob", mod="sam")
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], KIND)
    await forum.work()
    assert await forum.queue("sam") == []

    r = await forum.api.call("PATCH", f"/api/v1/posts/{reply['id']}", as_="bob", json={"body": "NASTY now"})
    assert r.status_code == 200
    await forum.work()
    assert (await forum.item_for("sam", reply["id"]))["sources"] == ["classifier"]

    calls = len(scripted.batches)
    r = await forum.api.call("PATCH", f"/api/v1/posts/{reply['id']}", as_="sam", json={"warnings": ["strong-language"]})
    assert r.status_code == 200, r.text
    await forum.work()
    assert len(scripted.batches) == calls, "a moderator's edit vouches for the post"


async def test_thresholds_come_from_the_admin_settings(forum) -> None:
    use_classifier(forum.app, ScriptedClassifier({"NASTY": {"toxicity": 0.9}}))
    await forum.set_setting("thresholds", {"toxicity": {"flag": 0.95, "hide": None}})
    await forum.members("ash", "bob", mod="sam")
    thread = await forum.thread("ash")
    await forum.reply("bob", thread["id"], "NASTY words")
    await forum.work()
    assert await forum.queue("sam") == []

    await forum.set_setting("thresholds", {"toxicity": {"flag": 0.5, "hide": 0.85}})
    hidden = await forum.reply("bob", thread["id"], "NASTY again")
    await forum.work()
    assert await forum.post_status(hidden["id"]) == "hidden"


async def test_the_status_line_says_what_the_worker_actually_loaded(forum) -> None:
    from moderation.classifiers.basic import BasicClassifier

    holder = classifier_subscriber(forum.app).holder

    def classifier_line() -> str:
        return next(h.line for h in forum.app.state.composition.health() if h.line.startswith("classifier:"))

    assert classifier_line() == "classifier: basic (alt-profanity-check + patterns), because FORUM_CLASSIFIER=basic"
    await holder.get()
    assert isinstance(holder.loaded, BasicClassifier)
    assert classifier_line() == "classifier: basic (alt-profanity-check + patterns), selected by configuration"


def test_a_fallback_says_why_detoxify_did_not_load() -> None:
    from forum.health import HealthState
    from moderation.classifiers.basic import BasicClassifier
    from moderation.classifying import loaded_status

    fallback = BasicClassifier.instead_of_detoxify("Detoxify could not load its weights (no network and no "
                                                   "FORUM_DETOXIFY_CHECKPOINT): cannot reach github.com")
    assert fallback.description == (
        "Detoxify could not load its weights (no network and no FORUM_DETOXIFY_CHECKPOINT): "
        "cannot reach github.com; using the basic classifier (alt-profanity-check + patterns)")
    assert loaded_status(fallback).state is HealthState.DEGRADED
    assert loaded_status(fallback).line == (
        "classifier: basic (alt-profanity-check + patterns) because Detoxify could not load its weights "
        "(no network and no FORUM_DETOXIFY_CHECKPOINT): cannot reach github.com")


def test_before_loading_the_status_line_is_worked_out_from_settings_alone(tmp_path) -> None:
    from forum.settings import Settings
    from moderation.classifying import expected_status

    def status(**env: str) -> str:
        return expected_status(Settings.from_env({"FORUM_DATA_DIR": str(tmp_path), "FORUM_SECRET_KEY": "x" * 40,
                                                  **env})).line

    assert "will be tried on first use" in status(FORUM_CLASSIFIER="auto")
    missing = status(FORUM_CLASSIFIER="auto", FORUM_DETOXIFY_CHECKPOINT=str(tmp_path / "nope.ckpt"))
    assert missing.startswith("classifier: basic") and "does not exist" in missing
    assert "NOT WORKING" in status(FORUM_CLASSIFIER="detoxify", FORUM_DETOXIFY_CHECKPOINT=str(tmp_path / "nope"))
    (tmp_path / "real.ckpt").write_bytes(b"")
    assert "local checkpoint" in status(FORUM_CLASSIFIER="auto", FORUM_DETOXIFY_CHECKPOINT=str(tmp_path / "real.ckpt"))


async def test_the_classifier_says_its_state_as_data_and_readiness_follows_it(tmp_path) -> None:
    from forum.health import HealthState
    from forum.settings import Settings
    from moderation.classifying import ClassifierHolder

    def holder(**env: str) -> ClassifierHolder:
        return ClassifierHolder(Settings.from_env({"FORUM_DATA_DIR": str(tmp_path), "FORUM_SECRET_KEY": "x" * 40,
                                                   **env}))

    assert holder(FORUM_CLASSIFIER="basic").health().state is HealthState.OK
    missing = str(tmp_path / "nope.ckpt")
    assert holder(FORUM_CLASSIFIER="auto", FORUM_DETOXIFY_CHECKPOINT=missing).health().state is HealthState.DEGRADED
    broken = holder(FORUM_CLASSIFIER="detoxify", FORUM_DETOXIFY_CHECKPOINT=missing)
    assert broken.health().state is HealthState.NOT_WORKING
    with pytest.raises(RuntimeError) as not_ready:
        await broken.ready()
    assert str(not_ready.value) == (f"FORUM_CLASSIFIER=detoxify but FORUM_DETOXIFY_CHECKPOINT={missing} does not "
                                    "exist; posts are not being classified")
    await holder(FORUM_CLASSIFIER="basic").ready()


def test_classifier_download_prints_the_two_settings_to_use(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    import moderation.classifiers.download as download
    from moderation.cli import commands

    def fake_download(model_type: str, dest):
        assert model_type == "original-small"
        return dest / f"{model_type}.ckpt", dest / "hf"

    monkeypatch.setattr(download, "download_detoxify", fake_download)
    group = commands()[0]
    result = CliRunner().invoke(group, ["download", str(tmp_path), "--model", "original-small"])
    assert result.exit_code == 0, result.output
    assert f"FORUM_DETOXIFY_CHECKPOINT={tmp_path / 'original-small.ckpt'}" in result.output
    assert f"FORUM_DETOXIFY_HF_CONFIG={tmp_path / 'hf'}" in result.output
