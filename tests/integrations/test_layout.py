"""The FHIR builders and the webhook signature are pure: importable and testable without Django."""

import subprocess
import sys


def test_fhir_and_signing_modules_import_no_django():
    code = (
        "import sys, integrations.fhir, integrations.signing; "
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'django'))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
