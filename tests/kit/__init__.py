"""A small test kit shared by the suites: instruments and configs built in one place."""
