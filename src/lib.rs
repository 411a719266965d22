//! The `unid` package's library side: the plugin list, shared by the binary and the tests.

pub mod plugins;
