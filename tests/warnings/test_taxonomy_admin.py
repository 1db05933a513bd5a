"""The content-warning taxonomy: seeded on the first migration, managed by admins at /admin
(add, rename, describe, retire); a warning in use is retired, never deleted."""

from __future__ import annotations

import re
from typing import Any

from forum.warnings.taxonomy import SEED_WARNINGS
from tests.helpers.pages import form_post, sign_in
from tests.helpers.warnings import details_around, new_reader, says, thread

REQUIRED = ["suicide", "self-harm", "eating-difficulties", "abuse", "sexual-violence", "domestic-violence",
            "substance-use", "death-bereavement", "pregnancy-loss", "medical", "violence", "discrimination",
            "graphic-injury", "strong-language"]


async def taxonomy(api: Any) -> dict[str, dict[str, Any]]:
    return {w["slug"]: w for w in (await api.get("/api/v1/warnings")).json()["warnings"]}


async def signed_in_admin(api: Any) -> Any:
    await api.member("keeper", role="admin")
    await sign_in(api.client, "keeper")
    return api.client


async def test_a_fresh_forum_has_the_seeded_warnings_with_plain_labels_and_descriptions(api):
    warnings = await taxonomy(api)
    assert set(REQUIRED) <= set(warnings) and "other" in warnings
    for seed in SEED_WARNINGS:
        entry = warnings[seed.slug]
        assert entry["label"] == seed.label and len(entry["description"]) > 20
    assert {slug for slug, w in warnings.items() if w["default_mode"] == "warn" and slug != "other"} == {
        "suicide", "self-harm"}


async def test_an_admin_adds_a_warning_that_authors_can_choose_and_readers_can_hide(api):
    admin = await signed_in_admin(api)
    r = await form_post(admin, "/admin/warnings", {"slug": "gambling", "label": "Gambling",
                                                   "description": "Betting, debts and relapse.",
                                                   "default_mode": "show"})
    assert r.status_code in (302, 303)
    assert (await taxonomy(api))["gambling"] == {"slug": "gambling", "label": "Gambling",
                                                 "description": "Betting, debts and relapse.", "default_mode": "show"}
    await api.member("writer")
    tagged = await thread(api, "writer", "Marker-bets", "words", ["gambling"])
    assert tagged["warnings"] == ["gambling"]
    assert 'value="gambling"' in (await admin.get("/topics/anxiety/new")).text
    reader = await new_reader(api, "visitor")
    assert 'name="mode-gambling"' in (await reader.page("/settings/warnings")).text
    await reader.choose(gambling="hide")
    assert "Marker-bets" not in (await reader.page("/topics/anxiety")).text
    await reader.close()


async def test_a_bad_or_duplicate_new_warning_is_refused_with_a_message(api):
    admin = await signed_in_admin(api)
    before = await taxonomy(api)
    for form in ({"slug": "Not A Slug!", "label": "x"}, {"slug": "violence", "label": "Again"},
                 {"slug": "fine-slug", "label": "Fine", "default_mode": "blur"}):
        r = await form_post(admin, "/admin/warnings", form)
        assert r.status_code in (302, 303)
        page = (await admin.get(r.headers["location"])).text
        assert re.search(r'class="notice"[^>]*>[^<]+', page)
    assert await taxonomy(api) == before


async def test_an_admin_renames_and_redescribes_a_warning_and_notices_use_the_new_label(api):
    admin = await signed_in_admin(api)
    await api.member("writer")
    await thread(api, "writer", "Marker-loud", "words", ["strong-language"])
    r = await form_post(admin, "/admin/warnings/strong-language",
                        {"label": "Swearing", "description": "Curse words.", "default_mode": "warn"})
    assert r.status_code in (302, 303)
    entry = (await taxonomy(api))["strong-language"]
    assert (entry["label"], entry["description"], entry["default_mode"]) == ("Swearing", "Curse words.", "warn")
    reader = await new_reader(api, "visitor")
    topic = (await reader.page("/topics/anxiety")).text
    assert says(details_around(topic, "Marker-loud"), "mentions swearing")  # the new default applies too
    await reader.close()


async def test_a_retired_warning_cannot_be_newly_chosen_but_old_content_keeps_it(api):
    admin = await signed_in_admin(api)
    await api.member("writer")
    old = await thread(api, "writer", "Marker-old", "words", ["medical"])
    r = await form_post(admin, "/admin/warnings/medical", {"action": "retire"})
    assert r.status_code in (302, 303)
    assert "medical" not in await taxonomy(api)
    r = await api.post("/api/v1/topics/anxiety/threads", "writer",
                       json={"title": "new", "body": "b", "warnings": ["medical"]})
    assert r.status_code == 400 and "medical" in r.json()["fields"]["warnings"]
    assert 'value="medical"' not in (await admin.get("/topics/anxiety/new")).text
    assert (await api.get(f"/api/v1/threads/{old['id']}")).json()["thread"]["warnings"] == ["medical"]
    admin_page = (await admin.get("/admin")).text
    assert re.search(r'action="/admin/warnings/medical"(?:(?!</form>).)*value="restore"', admin_page, re.S)


async def test_an_edit_keeps_a_retired_warning_already_on_the_post(api):
    admin = await signed_in_admin(api)
    await api.member("writer")
    old = await thread(api, "writer", "Marker-old", "words", ["medical", "violence"])
    await form_post(admin, "/admin/warnings/medical", {"action": "retire"})
    r = await api.call("PATCH", f"/api/v1/posts/{old['post']['id']}", "writer",
                       json={"body": "reworded", "warnings": ["violence"]})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["warnings"]) == ["medical", "violence"]
    r = await api.call("PATCH", f"/api/v1/posts/{old['post']['id']}", "writer",
                       json={"warnings": ["medical", "violence"]})
    assert r.status_code == 200, r.text


async def test_readers_who_hide_a_retired_warning_still_do_not_see_content_tagged_with_it(api):
    admin = await signed_in_admin(api)
    await api.member("writer")
    await thread(api, "writer", "Marker-old", "words", ["medical"])
    reader = await new_reader(api, "member")
    await reader.choose(medical="hide")
    await form_post(admin, "/admin/warnings/medical", {"action": "retire"})
    assert "Marker-old" not in (await reader.page("/topics/anxiety")).text
    assert "Marker-old" not in (await reader.api("/api/v1/topics/anxiety/threads")).text
    await reader.close()


async def test_a_retired_warning_can_be_restored(api):
    admin = await signed_in_admin(api)
    await form_post(admin, "/admin/warnings/medical", {"action": "retire"})
    await form_post(admin, "/admin/warnings/medical", {"action": "restore"})
    assert "medical" in await taxonomy(api)


async def test_only_admins_may_change_the_taxonomy(api):
    await api.member("mod", role="moderator")
    await sign_in(api.client, "mod")
    r = await form_post(api.client, "/admin/warnings", {"slug": "sneaky", "label": "Sneaky"})
    assert r.status_code == 403
    r = await form_post(api.client, "/admin/warnings/suicide", {"action": "retire"})
    assert r.status_code == 403
    warnings = await taxonomy(api)
    assert "sneaky" not in warnings and "suicide" in warnings
