from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self) -> None:
        from feedback.follow_ups import follow_up_opened
        from integrations.webhooks import follow_up_opened_receive

        follow_up_opened.connect(follow_up_opened_receive, dispatch_uid="integrations.webhooks")
