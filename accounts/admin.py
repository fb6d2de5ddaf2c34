"""The admin's sign-in goes through the same failure limit as the staff sign-in."""

from django.contrib import admin

from accounts.forms import ThrottledAdminAuthenticationForm

admin.site.login_form = ThrottledAdminAuthenticationForm
