"""Routes of the comments section of the dashboard (under /dashboard/comments/)."""

from django.urls import path

from analytics.comments import views

app_name = "comments"
urlpatterns = [
    path("", views.comments_overview, name="overview"),
    path("<int:clinic_id>/themes/<slug:theme>/", views.comments_of_theme, name="theme"),
]
