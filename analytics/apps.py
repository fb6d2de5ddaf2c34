from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        # The chart modules stay free of Django; their text and numbers follow the page's language.
        from django.utils import formats, translation

        from analytics.charts.wording import translation_install

        translation_install(
            gettext=translation.gettext,
            ngettext=translation.ngettext,
            pgettext=translation.pgettext,
            decimal_separator=lambda: formats.get_format("DECIMAL_SEPARATOR"),
        )
