from django.urls import include, path
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

urlpatterns = [
    path("", include("wuxing.dashboard.urls")),
    # Django's language switcher, POST only (the footer form posts; a GET would only redirect).
    path("i18n/setlang/", require_POST(set_language), name="set_language"),
    path("accounts/", include("wuxing.accounts.urls")),
    path("orgs/", include("wuxing.orgs.urls")),
    path("stars/", include("wuxing.rules.urls")),
    path("", include("wuxing.core.urls")),
    path("reviews/", include("wuxing.reviews.urls")),
    path("funds/", include("wuxing.funds.urls")),
    path("competition/", include("wuxing.competition.urls")),
    path("boards/", include("wuxing.boards.urls")),
    path("members/", include("wuxing.members.urls")),
    path("api/v1/", include("wuxing.api.urls")),
]
