"""Patient-facing routes: surveys, thank-you, withdrawal, QR pages, the story wall and embed."""

from django.urls import path

from feedback import pulse_views, views

app_name = "feedback"
urlpatterns = [
    path("s/<str:token>/", views.survey_invitation, name="survey_invitation"),
    path("c/<slug:clinic_slug>/", views.survey_kiosk, name="survey_kiosk"),
    path("c/<slug:clinic_slug>/qr/", views.clinic_qr, name="clinic_qr"),
    path("c/<slug:clinic_slug>/qr.svg", views.clinic_qr_svg, name="clinic_qr_svg"),
    path("c/<slug:clinic_slug>/stories/", views.stories_wall, name="stories_wall"),
    path("c/<slug:clinic_slug>/stories/embed/", views.stories_embed, name="stories_embed"),
    path("p/round/<str:token>/", pulse_views.pulse_shared, name="pulse_shared"),
    path("p/done/<int:round_id>/", pulse_views.pulse_support, name="pulse_support"),
    path("p/<str:token>/", pulse_views.pulse_invitation, name="pulse_invitation"),
    path("thanks/", views.thanks, name="thanks"),
    path("withdraw/", views.withdraw, name="withdraw"),
]
