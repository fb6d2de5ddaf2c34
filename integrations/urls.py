"""The API's routes, mounted at /api/v1/ by the project's urls (namespace "api_v1")."""

from integrations.api import api

app_name = api.urls_namespace
urlpatterns = api.urls[0]
