from django.urls import path

from wuxing.rules import views
from wuxing.rules.views import pdf

app_name = "starrules"

urlpatterns = [
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/report.pdf", pdf.ratings_pdf, name="ratings_pdf"),
    path("orgs/<int:pk>/", views.card, name="card"),
    path("orgs/<int:pk>/card.pdf", pdf.card_pdf, name="card_pdf"),
    path("orgs/<int:pk>/scores/", views.score_form, name="score_form"),
    path("orgs/<int:pk>/evidence/", views.upload_evidence, name="evidence_upload"),
    path("orgs/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
    path("orgs/<int:pk>/evidence/<int:evidence_pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("orgs/<int:pk>/vetoes/", views.veto_create, name="veto_create"),
    path("orgs/<int:pk>/vetoes/<int:veto_pk>/revoke/", views.veto_revoke, name="veto_revoke"),
    path("scores/", views.scores, name="scores"),
    path("scores/<str:kind>.xlsx", views.scores_template, name="scores_template"),
    path("rulebooks/", views.rulebooks, name="rulebooks"),
    path("rulebooks/<int:pk>/", views.rulebook_detail, name="rulebook"),
    path("rulebooks/<int:pk>/edit/", views.rulebook_edit, name="rulebook_edit"),
    path("rulebooks/<int:pk>/tune/", views.rulebook_tune, name="rulebook_tune"),
    path("rulebooks/<int:pk>/activate/", views.rulebook_activate, name="rulebook_activate"),
    path("rulebooks/<int:pk>/clone/", views.rulebook_clone, name="rulebook_clone"),
]
