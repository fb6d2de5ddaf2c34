"""Staff routes: the leadership dashboard and its chart data as CSV."""

from django.urls import path

from analytics.dashboard import views

app_name = "analytics"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data/<slug:chart>.csv", views.dashboard_csv, name="dashboard_csv"),
]
