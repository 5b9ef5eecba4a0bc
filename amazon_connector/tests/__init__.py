"""The bench test suite (real Frappe and ERPNext). See base.py for the base classes.

Importing this package (the test runner does, before any test module in it) switches the job runner
to the tests' process: jobs run at once in this process, and nothing is committed, so that the
test runner's rollback undoes every test's writes (`runner.options`).
"""

from amazon_connector.runner.options import use_for_tests

use_for_tests()
