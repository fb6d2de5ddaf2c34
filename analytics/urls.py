"""Staff routes: the leadership dashboard, its chart data as CSV, and the wellbeing pages."""

from django.urls import path

from analytics.dashboard import views
from analytics.wellbeing.urls import urlpatterns as wellbeing_urlpatterns

app_name = "analytics"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data/<slug:chart>.csv", views.dashboard_csv, name="dashboard_csv"),
    *wellbeing_urlpatterns,
]
