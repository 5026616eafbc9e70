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
    path("claims/<int:pk>/reopen/", views.claim_reopen, name="claim_reopen"),
    path("claims/<int:pk>/resubmit/", views.claim_resubmit, name="claim_resubmit"),
]

urlpatterns += [
    path("budget/", views.budget, name="budget"),
    path("ledgers/", views.ledgers, name="ledgers"),
    path("ledgers/<int:year>/v<int:version>/", views.ledger_version, name="ledger"),
]
