"""Patient-facing routes: invitation survey, kiosk survey, thank-you and QR pages."""

from django.urls import path

app_name = "feedback"
urlpatterns: list = []
