//! Shared helpers of the integration tests in `tests/tests/`.
