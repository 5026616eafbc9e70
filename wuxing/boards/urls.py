from django.urls import path

from wuxing.boards import group_views, training_views, views

app_name = "boards"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("import/", views.task_import, name="import"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/notes/", views.task_note, name="task_note"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("notes/<int:pk>/evidence/", views.note_evidence, name="note_evidence"),
    path("orgs/<int:pk>/new/", views.task_create, name="task_create"),
    path("orgs/<int:pk>/from-gaps/", views.from_gaps, name="from_gaps"),
    path("orgs/<int:pk>/visits/", views.visit_create, name="visit_create"),
    path("units/", views.units, name="units"),
    path("trainings/", training_views.sessions, name="trainings"),
    path("trainings/<int:pk>/", training_views.session_detail, name="training"),
    path("trainings/<int:pk>/attendance/", training_views.attendance_import, name="attendance_import"),
    path("groups/", group_views.group_list, name="groups"),
    path("trainings/compliance/", training_views.compliance, name="compliance"),
]
