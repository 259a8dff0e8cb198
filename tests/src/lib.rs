//! Tandem's black-box test suite lives in `tests/api`: one test binary that
//! starts the real server on port 0 against a fresh database per test.
