from __future__ import annotations

import datetime as dt

import pytest


@pytest.mark.django_db
def test_organisation_page_shows_who_changed_its_posts_and_why(world, client_for):
    from wuxing.orgs import services
    from wuxing.orgs.models import Post

    post = Post.objects.get(org=world.village_a, person=world.secretary_a)
    services.end_post(world.users["street_a"], post, dt.date(2024, 1, 31), "换届")
    page = client_for("street_a").get(f"/orgs/{world.village_a.pk}/").content.decode()
    section = page[page.index("任职变更记录") :]
    assert "换届" in section and "2024年1月31日" in section  # reason and the recorded end date
    assert "street_a" in section and "李建国" in section
