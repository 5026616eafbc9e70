from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_tree_lists_streets_and_branches_for_admin(client_for, world):
    response = client_for("admin").get("/orgs/tree/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "彰北街道" in body and "柏庄镇" in body
    assert "西漳涧村" in body and "后万金村" in body
