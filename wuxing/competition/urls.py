from django.urls import path

from wuxing.competition import views, views_entry

app_name = "competition"

urlpatterns = [
    path("", views.index, name="index"),
    path("rankings/", views.rankings, name="rankings"),
    path("quarters/", views.quarter, name="quarter"),
    path("monthly/import/", views.monthly_import, name="monthly_import"),
    path("monthly/<int:org>/<int:year>/<int:month>/", views_entry.monthly_entry, name="monthly_entry"),
    path("parameters/<int:year>/", views.parameters, name="parameters"),
    path("checklist/<int:year>/", views.checklist, name="checklist"),
    path("observations/", views.observations, name="observations"),
    path("observations/<int:pk>/", views.observation, name="observation"),
    path("observations/<int:pk>/edit/", views_entry.observation_edit, name="observation_edit"),
    path("observations/<int:pk>/import/", views_entry.observation_import, name="observation_import"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/decide/", views.case_decide, name="case_decide"),
    path("reserve/", views.reserve, name="reserve"),
    path("weak/", views.weak, name="weak"),
    path("weak/<int:pk>/", views.weak_update, name="weak_update"),
]
