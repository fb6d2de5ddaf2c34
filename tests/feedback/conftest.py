"""Patient-page fixtures shared by the survey, kiosk-privacy and bad-input tests."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.feedback.test_views import invitation_make


@pytest.fixture
def kiosk_url(clinic_a, instrument) -> str:
    cache.clear()  # the kiosk rate limit counts in Redis across tests
    return reverse("feedback:survey_kiosk", args=[clinic_a.slug])


@pytest.fixture
def token(clinic_a, instrument) -> str:
    """A fresh invitation's link token."""
    return invitation_make(clinic=clinic_a)[1]
