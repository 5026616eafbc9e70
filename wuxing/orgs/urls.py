from django.urls import path

from wuxing.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.org_list, name="list"),
    path("tree/", views.tree, name="tree"),
    path("tree/streets/<int:pk>/", views.tree_street, name="tree_street"),
    path("new/", views.branch_create, name="branch_create"),
    path("streets/new/", views.street_create, name="street_create"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/delete/", views.org_delete, name="delete"),
    path("<int:org_pk>/posts/new/", views.post_edit, name="post_create"),
    path("<int:org_pk>/posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("<int:org_pk>/posts/<int:pk>/end/", views.end_post_today, name="post_end"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_edit, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("units/", views.units, name="units"),
    path("units/new/", views.unit_edit, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("import/", views.import_view, name="import"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import_template"),
]
