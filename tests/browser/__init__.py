"""The 互认 page in a real headless Chromium (Playwright driving Debian's chromium)."""
