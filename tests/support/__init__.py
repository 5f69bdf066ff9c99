"""Test-only support code: platforms and feeds that exist only for the tests."""
