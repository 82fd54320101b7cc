"""Offline bundles (``flask kb export``): a static, permission-filtered, dated and verifiable copy of the site."""
