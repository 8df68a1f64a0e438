//! Integration tests of the mocha adapter against the real runner.
