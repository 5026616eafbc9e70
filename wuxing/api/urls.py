from django.urls import path

from wuxing.api.api import api

urlpatterns = [path("", api.urls)]
