//! Calls to providers' public HTTP APIs: the client and signing helpers.

pub mod aliyun_rpc;
pub mod http;
pub mod time;
