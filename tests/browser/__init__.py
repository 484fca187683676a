"""Browser tests: real pages in headless Chromium, driven by Playwright.

This folder is a package on purpose: it makes pytest's `package` scope end at its last test, so
the one Chromium the tests share (and Playwright's event loop, which blocks `asyncio.run` in the
main thread while it is alive) is gone before the rest of the suite runs.
"""
