from django.urls import include, path

urlpatterns = [
    path("", include("wuxing.dashboard.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("wuxing.accounts.urls")),
    path("orgs/", include("wuxing.orgs.urls")),
    path("stars/", include("wuxing.rules.urls")),
    path("api/v1/", include("wuxing.api.urls")),
]
