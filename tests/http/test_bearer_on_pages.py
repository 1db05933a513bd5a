"""Pages honour a bearer token, so an app or script sees pages with its member's own choices."""


async def test_a_topic_page_read_with_a_token_leaves_out_what_that_member_hides(api) -> None:
    await api.member("author")
    await api.member("reader")
    r = await api.post("/api/v1/topics/anxiety/threads", "author",
                       json={"title": "Hard night zq7marker", "body": "words", "warnings": ["self-harm"]})
    assert r.status_code == 201
    r = await api.call("PUT", "/api/v1/me/warning-preferences", "reader", json={"self-harm": "hide"})
    assert r.status_code == 200

    as_reader = await api.get("/topics/anxiety", "reader")
    as_visitor = await api.get("/topics/anxiety")

    assert as_reader.status_code == 200
    assert "zq7marker" not in as_reader.text
    assert "1 thread hidden by your settings" in as_reader.text
    # A visitor has chosen nothing: self-harm defaults to "warn", so the title waits behind a notice.
    assert "zq7marker" in as_visitor.text and "A thread that mentions" in as_visitor.text
