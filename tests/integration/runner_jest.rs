//! Integration tests of the jest adapter against the real runner.
