//! One module per table family: row structs, insert structs and the queries on them.

pub mod audit;
pub mod catalog;
pub mod codes;
pub mod devices;
pub mod invites;
pub mod logs;
pub mod nonces;
pub mod realname;
pub mod roles;
pub mod search_plan;
pub mod stats;
pub mod third_party;
pub mod throttles;
pub mod tokens;
pub mod user_list;
pub mod users;
