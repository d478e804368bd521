//! Users of the mini-program: profile, phone number, open data, and their administration.

pub mod model;
