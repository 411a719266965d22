//! Signing helpers for calls to providers' public HTTP APIs.

pub mod aliyun_rpc;
pub mod time;
