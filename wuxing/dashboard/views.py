from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from wuxing.core.scoping import visible_orgs
from wuxing.orgs.models import Level


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    branches = visible_orgs(request.user).filter(level=Level.BRANCH)
    totals = branches.aggregate(
        total=Count("pk"),
        rural=Count("pk", filter=Q(area_kind="rural")),
        community=Count("pk", filter=Q(area_kind="community")),
        members=Sum("member_count"),
        demo=Count("pk", filter=Q(is_demo=True)),
    )
    return render(request, "dashboard/home.html", {"totals": totals})
