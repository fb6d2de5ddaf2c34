from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = 'analytics'

    def ready(self) -> None:
        # The chart modules stay free of Django; their text follows the page's language.
        from django.utils import translation

        from analytics.charts.wording import translation_install

        translation_install(
            gettext=translation.gettext,
            ngettext=translation.ngettext,
            pgettext=translation.pgettext,
        )
