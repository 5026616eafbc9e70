from django.urls import path

from wuxing.members import views

app_name = "members"

urlpatterns = [
    path("", views.register_page, name="register"),
    path("new/", views.add, name="add"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/pdf/", views.person_pdf, name="person_pdf"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/steps/", views.record_step, name="step"),
    path("<int:pk>/steps/<int:event_pk>/withdraw/", views.withdraw_step, name="withdraw_step"),
    path("<int:pk>/documents/<int:doc_pk>/withdraw/", views.withdraw_document, name="withdraw_document"),
    path("<int:pk>/documents/", views.add_document, name="document"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    path("quotas/", views.quotas, name="quotas"),
    path("structure/", views.stats, name="stats"),
    path("rules/", views.rules_page, name="rules"),
    path("import/", views.import_page, name="import"),
    path("import/template/", views.import_template, name="import_template"),
]
