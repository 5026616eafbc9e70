from django.urls import path

from wuxing.core import holiday_views

app_name = "core"

urlpatterns = [
    path("", holiday_views.holiday_list, name="holidays"),
    path("<int:year>/", holiday_views.holiday_year, name="holiday_year"),
    path("<int:year>/edit/", holiday_views.holiday_edit, name="holiday_edit"),
    path("<int:year>/delete/", holiday_views.holiday_delete, name="holiday_delete"),
]
