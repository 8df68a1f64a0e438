//! Integration tests of the gotest adapter against the real runner.
