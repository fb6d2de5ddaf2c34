"""The catalogue of attack and fault cases (issue 11): each case, and the tests that show it holds.

`pytest -m hardening` runs every test of an attack or fault case. This module keeps the list
honest: every test named here exists, and every test marked ``hardening`` is named here, so the
next person reads what is covered in one place.
"""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

CATALOGUE: dict[str, list[str]] = {
    # Shared kiosk tablets (privacy)
    "Back after a kiosk survey shows an empty form (answers, comment, story), JS on or off": [
        "browser/test_kiosk_privacy.py::test_back_after_sending_shows_an_empty_survey",
        "browser/test_kiosk_privacy.py::test_back_and_forward_after_a_rejected_send_do_not_show_the_answers_again",
        "feedback/test_kiosk_privacy.py::test_survey_and_withdrawal_forms_ask_the_browser_not_to_fill_them_in_again",
        "feedback/test_kiosk_privacy.py::test_kiosk_submission_goes_to_a_kiosk_thank_you_page_with_a_new_csrf_cookie",
    ],
    "Every patient page holding answers or a withdrawal code is no-store": [
        "feedback/test_kiosk_privacy.py::test_survey_pages_and_their_error_pages_are_never_stored",
        "feedback/test_kiosk_privacy.py::test_thank_you_withdrawal_and_withdrawn_pages_are_never_stored",
    ],
    "Kiosk thank-you page: 'Start a new survey', back to an empty survey after a quiet period, no JS": [
        "browser/test_kiosk_privacy.py::test_kiosk_thank_you_page_returns_to_an_empty_survey_by_itself_without_javascript",
        "feedback/test_kiosk_privacy.py::test_kiosk_thank_you_page_returns_to_the_clinics_survey_after_the_quiet_period",
        "feedback/test_kiosk_privacy.py::test_kiosk_thank_you_page_in_spanish",
        "feedback/test_kiosk_privacy.py::test_invitation_thank_you_page_does_not_refresh",
        "feedback/test_kiosk_privacy.py::test_thank_you_page_without_a_known_kiosk_neither_refreshes_nor_offers_a_new_survey",
    ],
    "The withdrawal code is shown once and never travels in a URL": [
        "browser/test_kiosk_privacy.py::test_withdrawal_code_is_not_shown_again_on_reload_or_back",
        "feedback/test_kiosk_privacy.py::test_withdrawal_code_is_shown_once_and_never_travels_in_a_url",
    ],
    "Invitation tokens never reach a log line": [
        "feedback/test_log_redaction.py::test_django_request_log_of_an_unknown_invitation_link_hides_the_token",
        "feedback/test_log_redaction.py::test_a_gunicorn_access_record_is_redacted_in_its_atoms",
        "feedback/test_log_redaction.py::test_other_paths_are_logged_as_they_are",
        "feedback/test_log_redaction.py::test_the_web_containers_gunicorn_config_loads_with_the_filter",
    ],
    # Staff sign-in, admin and sessions
    "Every sign-in form (the admin's too) is limited per username and per address": [
        "accounts/test_login.py::test_twenty_wrong_admin_passwords_then_the_right_one_is_refused",
        "accounts/test_login.py::test_after_three_failures_even_the_right_password_is_refused",
        "accounts/test_login.py::test_the_limit_holds_per_username_across_addresses",
        "accounts/test_login.py::test_the_limit_holds_per_address_across_usernames",
        "accounts/test_login.py::test_look_alike_spellings_of_a_username_share_its_count",
        "accounts/test_login.py::test_an_overlong_username_is_refused_not_a_500",
        "accounts/test_login_concurrency.py::test_parallel_wrong_passwords_are_checked_no_more_than_the_limit",
        "accounts/test_throttle.py::test_the_lock_ends_when_the_failures_leave_the_fifteen_minute_window",
    ],
    "Two-factor sign-in (TOTP) with recovery codes; required for admins with REQUIRE_ADMIN_2FA": [
        "accounts/test_two_factor.py::test_setup_confirms_the_device_only_with_a_valid_code",
        "accounts/test_two_factor.py::test_sign_in_with_a_device_and_no_code_reaches_neither_the_dashboard_nor_the_admin",
        "accounts/test_two_factor.py::test_an_app_code_works_only_once",
        "accounts/test_two_factor.py::test_a_recovery_code_works_once_and_not_twice",
        "accounts/test_two_factor.py::test_wrong_codes_are_throttled_like_wrong_passwords",
        "accounts/test_two_factor.py::test_required_admin_2fa_sends_an_admin_without_a_device_to_setup_and_nowhere_else",
        "accounts/test_two_factor.py::test_an_admin_cannot_turn_two_factor_off_while_it_is_required",
        "accounts/test_two_factor.py::test_a_half_signed_in_user_cannot_enrol_a_new_device_to_skip_the_code",
        "accounts/test_two_factor.py::test_a_half_signed_in_user_cannot_turn_two_factor_off_with_the_password",
        "accounts/test_two_factor.py::test_the_code_step_ignores_a_next_address_on_another_site",
    ],
    "Staff sessions end after 30 idle minutes and 12 hours, and the page says why": [
        "accounts/test_sessions.py::test_after_thirty_idle_minutes_the_next_page_is_the_sign_in_page_saying_why",
        "accounts/test_sessions.py::test_after_twelve_hours_the_session_ends_even_when_active",
        "accounts/test_sessions.py::test_the_admin_is_signed_out_when_idle_too_and_told_why",
        "browser/test_sign_in_browser.py::test_an_idle_session_ends_and_the_sign_in_page_says_why",
    ],
    "Password reset by e-mail: limited, the same answer whether or not the address exists": [
        "accounts/test_password_reset.py::test_an_unknown_address_gets_the_same_answer_and_no_mail",
        "accounts/test_password_reset.py::test_requests_are_limited_per_e_mail_address",
        "accounts/test_password_reset.py::test_requests_are_limited_per_client_address_whether_or_not_accounts_exist",
    ],
    "Sign-in, failure, lock-out, sign-out and refused access are audited (user, time, address)": [
        "accounts/test_login.py::test_failures_lock_out_and_refusals_are_audited_with_username_and_address",
        "accounts/test_login.py::test_sign_in_and_sign_out_are_audited_with_user_time_and_address",
        "feedback/test_access_refused.py::test_another_clinics_object_is_a_404_like_a_missing_one_and_is_audited",
    ],
    "Staff pages with patient data are no-store": [
        "test_staff_pages_no_store.py::test_staff_page_is_not_stored_by_browsers_or_proxies",
        "test_staff_pages_no_store.py::test_a_direct_export_download_is_not_stored",
    ],
    # When Redis or PostgreSQL misbehave
    "Sign-in and password reset work, and the limit still counts, with Redis down": [
        "accounts/test_login.py::test_sign_in_works_and_the_limit_still_counts_with_redis_down",
        "accounts/test_password_reset.py::test_password_reset_works_with_redis_down",
    ],
    "Staff pages answer with Redis down or full (the cache fails open)": [
        "analytics/dashboard/test_cache_outage.py::test_dashboard_with_redis_down_shows_the_same_numbers_and_logs_a_warning",
        "analytics/dashboard/test_cache_outage.py::test_every_page_a_signed_in_manager_opens_answers_with_redis_down",
        "integration/test_faults.py::test_dashboard_answers_when_redis_is_full_and_refuses_every_write",
    ],
    "An export asked for while the broker is down waits visibly, then a beat sweep sends it": [
        "integration/test_export_worker.py::test_export_asked_for_while_the_broker_is_down_waits_then_the_sweep_sends_it_to_a_worker",
        "analytics/exports/test_exports_resend.py::test_sweep_sends_again_only_jobs_still_queued_past_the_limit_and_records_when",
        "analytics/exports/test_exports_resend.py::test_sweep_run_twice_in_a_row_sends_each_stale_job_once",
        "analytics/exports/test_exports_resend.py::test_two_sweeps_that_read_the_same_stale_job_at_once_send_it_once",
        "analytics/exports/test_exports_resend.py::test_asking_again_for_a_job_stuck_in_the_queue_sends_it_again",
        "analytics/exports/test_exports_resend.py::test_a_resent_message_for_a_job_another_message_is_running_does_nothing",
        "analytics/exports/test_exports_resend.py::test_job_page_says_it_waits_for_a_worker_once_queued_for_more_than_a_moment",
        "analytics/exports/test_exports_resend.py::test_job_page_in_spanish_says_it_waits_for_a_worker",
    ],
    "PostgreSQL restarted during submissions: a friendly 503, nothing half-stored, recovery": [
        "integration/test_database_outage.py::test_postgres_restarted_during_submissions_gives_a_friendly_503_and_the_portal_recovers",
    ],
    "A poison message is retried a bounded number of times with backoff and blocks nothing": [
        "integration/test_poison_message.py::test_a_task_that_always_fails_is_retried_a_bounded_number_of_times_and_never_blocks",
        "test_task_retry_policy.py::test_every_task_retries_by_the_shared_bounded_policy",
        "test_task_retry_policy.py::test_permanent_database_errors_are_not_retried",
    ],
    "Beat started twice does not double any job's effect": [
        "test_beat_twice.py::test_every_periodic_task_has_a_run_twice_test",
        "test_beat_twice.py::test_invitation_reminders_run_twice_acts_once",
        "test_beat_twice.py::test_invitation_contacts_erase_run_twice_acts_once",
        "test_beat_twice.py::test_rollups_drain_run_twice_acts_once",
        "test_beat_twice.py::test_rollups_reconcile_run_twice_acts_once",
        "test_beat_twice.py::test_exports_expire_run_twice_acts_once",
        "test_beat_twice.py::test_exports_resend_run_twice_acts_once",
        "test_beat_twice.py::test_kudos_digests_run_twice_acts_once",
        "test_beat_twice.py::test_comments_analyse_run_twice_acts_once",
        "test_beat_twice.py::test_trend_alerts_run_twice_acts_once",
        "test_beat_twice.py::test_monthly_reports_run_twice_acts_once",
    ],
    # Bad input
    "Text that is not UTF-8 gets a 400 and nothing is stored": [
        "feedback/test_bad_input.py::test_text_that_is_not_utf8_gets_400_and_nothing_is_stored",
        "feedback/test_bad_input.py::test_a_story_that_is_not_utf8_gets_400_on_the_kiosk_too",
        "feedback/test_bad_input.py::test_a_field_name_that_is_not_utf8_gets_400",
        "feedback/test_bad_input.py::test_a_multipart_field_that_is_not_utf8_gets_400",
        "feedback/test_bad_input.py::test_text_in_any_language_and_a_typed_replacement_character_are_stored_as_sent",
        "feedback/test_form_encoding.py::test_urlencoded_fields_that_are_not_utf8_are_named",
        "feedback/test_form_encoding.py::test_fields_holding_a_replacement_character_are_named",
    ],
    "The same answer field sent several times gets a 400": [
        "feedback/test_bad_input.py::test_a_field_sent_twice_gets_400_and_nothing_is_stored",
        "feedback/test_bad_input.py::test_an_answer_sent_twice_on_the_kiosk_gets_400",
    ],
    "HEAD on patient pages answers as GET without a body": [
        "feedback/test_bad_input.py::test_head_on_patient_pages_answers_like_get_without_a_body",
        "feedback/test_bad_input.py::test_head_through_a_real_server_sends_no_body",
        "feedback/test_bad_input.py::test_head_on_the_thank_you_page_does_not_use_up_the_withdrawal_code",
    ],
    "check --deploy is clean with README's production settings": [
        "test_deploy_check.py::test_check_deploy_passes_with_readmes_production_settings",
        "test_deploy_check.py::test_check_deploy_fails_with_the_demo_defaults_and_names_the_file_email_backend",
    ],
}


def _is_hardening_mark(node: ast.expr) -> bool:
    """`pytest.mark.hardening` (or a call of it), alone or in a list of marks."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_is_hardening_mark(element) for element in node.elts)
    return isinstance(node, ast.Attribute) and node.attr == "hardening"


def _tests_in(path: Path) -> dict[str, bool]:
    """{test function name: whether it is marked hardening} for one test module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_marked = any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
        and _is_hardening_mark(node.value)
        for node in tree.body
    )
    return {
        node.name: module_marked or any(_is_hardening_mark(d) for d in node.decorator_list)
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def _all_tests() -> dict[str, bool]:
    found = {}
    for path in TESTS.rglob("test_*.py"):
        for name, marked in _tests_in(path).items():
            found[f"{path.relative_to(TESTS).as_posix()}::{name}"] = marked
    return found


def test_every_catalogued_test_exists():
    tests = _all_tests()
    missing = [node for nodes in CATALOGUE.values() for node in nodes if node not in tests]
    assert missing == []


def test_every_hardening_test_is_in_the_catalogue():
    catalogued = {node for nodes in CATALOGUE.values() for node in nodes}
    uncatalogued = sorted(
        node for node, marked in _all_tests().items() if marked and node not in catalogued
    )
    assert uncatalogued == []


@pytest.mark.parametrize(
    "source, marked",
    [
        ("import pytest\n@pytest.mark.hardening\ndef test_a(): pass\n", True),
        (
            "import pytest\npytestmark = [pytest.mark.services, pytest.mark.hardening]\n"
            "def test_a(): pass\n",
            True,
        ),
        ("import pytest\n@pytest.mark.services\ndef test_a(): pass\n", False),
    ],
)
def test_the_catalogue_reads_marks_as_pytest_does(tmp_path, source, marked):
    path = tmp_path / "test_sample.py"
    path.write_text(source)
    assert _tests_in(path) == {"test_a": marked}
