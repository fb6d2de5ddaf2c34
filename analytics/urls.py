"""Staff routes: sign-in, the leadership dashboard and its chart data as CSV."""

from django.contrib.auth import views as auth_views
from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.staff_login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data/<slug:chart>.csv", views.dashboard_csv, name="dashboard_csv"),
]
