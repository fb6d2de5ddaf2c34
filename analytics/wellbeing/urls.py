"""Wellbeing pulse routes for staff, included under /wellbeing/."""

from django.urls import path

from analytics.wellbeing import views

urlpatterns = [
    path("wellbeing/", views.wellbeing_home, name="wellbeing"),
    path("wellbeing/clinics/", views.wellbeing_clinics_scatter, name="wellbeing_scatter"),
    path("wellbeing/<int:clinic_id>/", views.wellbeing_clinic, name="wellbeing_clinic"),
    path(
        "wellbeing/<int:clinic_id>/rounds.csv",
        views.wellbeing_rounds_csv,
        name="wellbeing_rounds_csv",
    ),
    path("wellbeing/<int:clinic_id>/rounds/new/", views.pulse_round_new, name="pulse_round_new"),
]
