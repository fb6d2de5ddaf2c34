"""Staff routes for testimonials and service recovery (under /staff/)."""

from django.urls import path

from feedback import staff_views

app_name = "staff"
urlpatterns = [
    path("testimonials/", staff_views.moderation_queue, name="moderation_queue"),
    path(
        "testimonials/<int:pk>/moderate/",
        staff_views.testimonial_moderate,
        name="testimonial_moderate",
    ),
    path("follow-ups/", staff_views.follow_up_list, name="follow_ups"),
    path(
        "follow-ups/<int:pk>/handled/", staff_views.follow_up_mark_handled, name="follow_up_handled"
    ),
    path(
        "providers/<int:provider_id>/kudos/", staff_views.provider_kudos_page, name="provider_kudos"
    ),
]
