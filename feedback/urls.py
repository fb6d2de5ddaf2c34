"""Patient-facing routes: invitation survey, kiosk survey, thank-you and QR pages."""

from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("s/<str:token>/", views.survey_invitation, name="survey_invitation"),
    path("c/<slug:clinic_slug>/", views.survey_kiosk, name="survey_kiosk"),
    path("c/<slug:clinic_slug>/qr/", views.clinic_qr, name="clinic_qr"),
    path("c/<slug:clinic_slug>/qr.svg", views.clinic_qr_svg, name="clinic_qr_svg"),
    path("thanks/", views.thanks, name="thanks"),
]
