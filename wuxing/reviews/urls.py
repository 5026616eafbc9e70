from django.urls import path

from wuxing.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.cycle_list, name="cycles"),
    path("<int:pk>/", views.cycle_detail, name="cycle"),
    path("<int:pk>/deadlines/", views.cycle_deadlines, name="deadlines"),
    path("<int:pk>/approve/", views.approve_bulk, name="approve_bulk"),
    path("<int:pk>/name/", views.name_cycle, name="name"),
    path("<int:pk>/notice/", views.notice, name="notice"),
    path("<int:pk>/notice/start/", views.notice_start, name="notice_start"),
    path("<int:pk>/objections/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/submit/", views.submit, name="submit"),
    path("assessments/<int:pk>/return/", views.return_, name="return"),
    path("assessments/<int:pk>/forward/", views.forward, name="forward"),
    path("assessments/<int:pk>/approve/", views.approve, name="approve"),
    path("assessments/<int:pk>/value/", views.change_value, name="change_value"),
    path("orgs/<int:pk>/", views.org_history, name="org_history"),
    path("results/<int:pk>/remove-star/", views.star_remove, name="star_remove"),
    path("removals/<int:pk>/evidence/", views.removal_evidence, name="removal_evidence"),
]
