"""Staff routes: sign-in and the leadership dashboard."""

from django.contrib.auth import views as auth_views
from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("accounts/login/", views.staff_login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
