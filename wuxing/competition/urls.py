from django.urls import path

from wuxing.competition import views

app_name = "competition"

urlpatterns = [
    path("", views.index, name="index"),
    path("rankings/", views.rankings, name="rankings"),
    path("quarters/", views.quarter, name="quarter"),
    path("monthly/import/", views.monthly_import, name="monthly_import"),
    path("parameters/<int:year>/", views.parameters, name="parameters"),
    path("checklist/<int:year>/", views.checklist, name="checklist"),
    path("observations/", views.observations, name="observations"),
    path("observations/<int:pk>/", views.observation, name="observation"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/decide/", views.case_decide, name="case_decide"),
    path("reserve/", views.reserve, name="reserve"),
    path("weak/", views.weak, name="weak"),
    path("weak/<int:pk>/", views.weak_update, name="weak_update"),
]
