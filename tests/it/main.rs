//! End-to-end tests: real repositories in temporary folders, built by the
//! real binary, checked by reading the produced HTML as a reader would.

mod bad_input;
mod build;
mod check;
mod collections;
mod corpus;
mod history;
mod knowledge;
mod scaffold;
mod serve;
mod site_files;
mod util;
