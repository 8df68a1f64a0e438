//! Integration tests of the cucumber adapter against the real runner.
