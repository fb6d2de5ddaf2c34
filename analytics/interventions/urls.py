"""Staff routes for interventions (under /interventions/)."""

from django.urls import path

from analytics.interventions import views

app_name = "interventions"
urlpatterns = [
    path("", views.intervention_list, name="list"),
    path("new/", views.intervention_new, name="new"),
    path("<int:pk>/", views.intervention_detail, name="detail"),
    path("<int:pk>/edit/", views.intervention_edit, name="edit"),
    path("<int:pk>/delete/", views.intervention_remove, name="delete"),
]
