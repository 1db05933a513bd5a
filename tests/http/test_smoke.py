async def test_a_member_starts_a_thread_and_another_replies(api):
    await api.member("alice")
    await api.member("bob")
    r = await api.post("/api/v1/topics/anxiety/threads", "alice", json={"title": "Hello", "body": "first", "warnings": []})
    assert r.status_code == 201, r.text
    thread_id = r.json()["id"]
    r = await api.post(f"/api/v1/threads/{thread_id}/posts", "bob", json={"body": "welcome **here**"})
    assert r.status_code == 201, r.text
    r = await api.get(f"/threads/{thread_id}")
    assert r.status_code == 200
    assert "welcome <strong>here</strong>" in r.text
