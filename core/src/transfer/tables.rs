//! The tables import and export write beyond `users` and its satellites, as they are after
//! migration `2026-12-06-000014_transfer_doc_ids`: with the `doc_id` (a document's uni-id
//! `_id`) and `devices.extra` columns that only this module reads, and `user_tags`, which the
//! console reaches through hand-written SQL. Kept here so the shared `db::schema` lists only
//! what the server itself uses.

diesel::table! {
    roles (role_id) {
        role_id -> Text,
        role_name -> Text,
        comment -> Nullable<Text>,
        create_date -> BigInt,
        doc_id -> Nullable<Text>,
    }
}

diesel::table! {
    permissions (permission_id) {
        permission_id -> Text,
        permission_name -> Text,
        comment -> Nullable<Text>,
        create_date -> BigInt,
        doc_id -> Nullable<Text>,
    }
}

diesel::table! {
    user_tags (tagid) {
        tagid -> Text,
        name -> Text,
        description -> Nullable<Text>,
        create_date -> BigInt,
        doc_id -> Nullable<Text>,
    }
}

diesel::table! {
    uni_id_log (id) {
        id -> BigInt,
        appid -> Nullable<Text>,
        device_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        #[sql_name = "type"]
        type_ -> Text,
        ua -> Nullable<Text>,
        create_date -> BigInt,
        state -> Integer,
        user_id -> Nullable<Text>,
        username -> Nullable<Text>,
        email -> Nullable<Text>,
        mobile -> Nullable<Text>,
        doc_id -> Nullable<Text>,
    }
}

diesel::table! {
    devices (id) {
        id -> BigInt,
        user_id -> Text,
        device_id -> Text,
        appid -> Nullable<Text>,
        push_clientid -> Nullable<Text>,
        token_expired -> BigInt,
        create_date -> BigInt,
        last_active_date -> Nullable<BigInt>,
        last_active_ip -> Nullable<Text>,
        doc_id -> Nullable<Text>,
        extra -> Nullable<Text>,
    }
}

diesel::table! {
    opendb_devices (device_id) {
        device_id -> Text,
        appid -> Nullable<Text>,
        vendor -> Nullable<Text>,
        model -> Nullable<Text>,
        uni_platform -> Nullable<Text>,
        os_name -> Nullable<Text>,
        os_version -> Nullable<Text>,
        push_clientid -> Nullable<Text>,
        extra -> Nullable<Text>,
        create_date -> BigInt,
        last_update_date -> BigInt,
        doc_id -> Nullable<Text>,
    }
}
