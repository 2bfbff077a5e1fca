def test_member_lists_members(world):
    response = world.client("owner").get("/api/v1/tenants/acme/members/")
    assert response.status_code == 200, response.content
    emails = {m["user"]["email"] for m in response.json()["results"]}
    assert "viewer@acme.test" in emails
