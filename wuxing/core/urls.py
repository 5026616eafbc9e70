from django.urls import path

from wuxing.core import job_views

app_name = "core"

urlpatterns = [
    path("jobs/<int:pk>/", job_views.job, name="job"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
]
