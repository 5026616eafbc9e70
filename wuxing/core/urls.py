from django.urls import path

from wuxing.core import holiday_views, job_views, privacy_views

app_name = "core"

urlpatterns = [
    path("holidays/", holiday_views.holiday_list, name="holidays"),
    path("holidays/<int:year>/", holiday_views.holiday_year, name="holiday_year"),
    path("holidays/<int:year>/edit/", holiday_views.holiday_edit, name="holiday_edit"),
    path("holidays/<int:year>/delete/", holiday_views.holiday_delete, name="holiday_delete"),
    path("privacy/log/", privacy_views.privacy_log, name="privacy_log"),
    path("jobs/<int:pk>/", job_views.job, name="job"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
]
