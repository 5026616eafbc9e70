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
