"""Routes of the comments section of the dashboard (under /dashboard/comments/)."""

from django.urls import path

from analytics.comments import views as comment_views

app_name = "comments"
urlpatterns = [
    path("", comment_views.comments_overview, name="overview"),
    path("<int:clinic_id>/themes/<slug:theme>/", comment_views.comments_of_theme, name="theme"),
]
