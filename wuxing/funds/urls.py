from django.urls import path

from wuxing.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.entitlements, name="entitlements"),
    path("parameters/<int:year>/", views.parameters, name="parameters"),
    path("history/", views.history_import, name="history_import"),
    path("history/template/", views.history_template, name="history_template"),
]
