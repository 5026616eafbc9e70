from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "wuxing.reviews"
    label = "reviews"
    verbose_name = "年度评星"

    def ready(self) -> None:
        # The guard on indicator values: rules.services asks it before any value of an organisation is
        # written (a hook, so that the star rules know nothing about the review).
        from wuxing.reviews.services import guard_values
        from wuxing.rules.services import VALUE_EDIT_GUARDS

        if guard_values not in VALUE_EDIT_GUARDS:
            VALUE_EDIT_GUARDS.append(guard_values)

        # The named results are the official record of a named year for everything the star rules show.
        from wuxing.reviews.queries import OfficialRecords
        from wuxing.rules import official

        if not any(isinstance(s, OfficialRecords) for s in official.SOURCES):
            official.SOURCES.append(OfficialRecords())

        # A branch registered while a cycle of its kind is open gets its draft at once.
        from django.db.models.signals import post_save

        from wuxing.orgs.models import OrgUnit
        from wuxing.reviews.services import branch_created

        post_save.connect(branch_created, sender=OrgUnit, dispatch_uid="reviews.branch_created")
