"""blogtui's tests (a package, so tests can import shared helpers from tests.conftest)."""
