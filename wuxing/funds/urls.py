from django.urls import path

from wuxing.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.entitlements, name="entitlements"),
    path("parameters/<int:year>/", views.parameters, name="parameters"),
    path("history/", views.history_import, name="history_import"),
    path("history/template/", views.history_template, name="history_template"),
    path("ledgers/<int:year>/approve/", views.ledger_approve, name="ledger_approve"),
]

urlpatterns += [
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/receipt/", views.claim_receipt, name="claim_receipt"),
    path("claims/<int:pk>/verify/", views.claim_verify, name="claim_verify"),
    path("claims/<int:pk>/return/", views.claim_return, name="claim_return"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
]
