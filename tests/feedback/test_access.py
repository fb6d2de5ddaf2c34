"""Managers see only their own clinics; admins see all; nobody else sees any."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from feedback.access import clinic_for_user, clinics_for_user


def test_manager_sees_only_their_clinic(manager_a, clinic_a, clinic_b):
    assert list(clinics_for_user(manager_a)) == [clinic_a]
    assert clinic_for_user(manager_a, clinic_a.pk) == clinic_a


def test_manager_asking_for_another_clinic_gets_404(manager_a, clinic_b):
    with pytest.raises(Http404):
        clinic_for_user(manager_a, clinic_b.pk)


def test_garbage_clinic_id_is_404_not_500(manager_a):
    with pytest.raises(Http404):
        clinic_for_user(manager_a, "1 OR 1=1")


def test_admin_sees_every_clinic(clinic_a, clinic_b):
    admin = User.objects.create_superuser("admin", password="x")
    assert set(clinics_for_user(admin)) == {clinic_a, clinic_b}


def test_anonymous_and_inactive_users_see_nothing(manager_a, clinic_a):
    assert not clinics_for_user(AnonymousUser()).exists()
    manager_a.is_active = False
    assert not clinics_for_user(manager_a).exists()
