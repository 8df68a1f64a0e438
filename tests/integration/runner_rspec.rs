//! Integration tests of the rspec adapter against the real runner.
