//! Diesel table definitions, shared by the SQLite and PostgreSQL backends (both migrations
//! create the same columns with the same types).

diesel::table! {
    users (id) {
        id -> Text,
        username -> Nullable<Text>,
        password -> Nullable<Text>,
        password_secret_version -> Nullable<BigInt>,
        nickname -> Nullable<Text>,
        gender -> Nullable<Integer>,
        avatar -> Nullable<Text>,
        avatar_file -> Nullable<Text>,
        mobile -> Nullable<Text>,
        mobile_confirmed -> Integer,
        email -> Nullable<Text>,
        email_confirmed -> Integer,
        status -> Integer,
        my_invite_code -> Nullable<Text>,
        inviter_uid -> Nullable<Text>,
        invite_time -> Nullable<BigInt>,
        register_date -> Nullable<BigInt>,
        register_env -> Nullable<Text>,
        last_login_date -> Nullable<BigInt>,
        last_login_ip -> Nullable<Text>,
        valid_token_date -> Nullable<BigInt>,
        tags -> Nullable<Text>,
        extra -> Nullable<Text>,
    }
}

diesel::table! {
    user_apps (user_id, app_id) {
        user_id -> Text,
        app_id -> Text,
    }
}

diesel::table! {
    user_identities (value, kind, app_id) {
        app_id -> Text,
        kind -> Text,
        value -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    roles (role_id) {
        role_id -> Text,
        role_name -> Text,
        comment -> Nullable<Text>,
        create_date -> BigInt,
    }
}

diesel::table! {
    permissions (permission_id) {
        permission_id -> Text,
        permission_name -> Text,
        comment -> Nullable<Text>,
        create_date -> BigInt,
    }
}

diesel::table! {
    role_permissions (role_id, permission_id) {
        role_id -> Text,
        permission_id -> Text,
    }
}

diesel::table! {
    user_roles (user_id, role_id) {
        user_id -> Text,
        role_id -> Text,
    }
}

diesel::table! {
    tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        iat -> BigInt,
        exp -> BigInt,
        created_date -> BigInt,
        app_id -> Nullable<Text>,
        platform -> Nullable<Text>,
        device_id -> Nullable<Text>,
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
        method -> Nullable<Text>,
        platform -> Nullable<Text>,
    }
}

diesel::table! {
    verify_codes (id) {
        id -> BigInt,
        kind -> Text,
        target -> Text,
        scene -> Text,
        code_hash -> Text,
        state -> Integer,
        attempts -> Integer,
        ip -> Nullable<Text>,
        created_date -> BigInt,
        expired_date -> BigInt,
    }
}

diesel::table! {
    throttles (key) {
        key -> Text,
        hits -> BigInt,
        window_start -> BigInt,
        last_hit -> BigInt,
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
    }
}

diesel::table! {
    admin_audit (id) {
        id -> BigInt,
        created_date -> BigInt,
        actor_id -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        ip -> Nullable<Text>,
        face -> Text,
        action -> Text,
        target_id -> Nullable<Text>,
        changes -> Text,
    }
}

diesel::table! {
    user_third_party (user_id, provider, kind, platform) {
        user_id -> Text,
        provider -> Text,
        kind -> Text,
        platform -> Text,
        value -> Text,
    }
}

diesel::table! {
    credential_cache (key) {
        key -> Text,
        value -> Text,
        expired -> BigInt,
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
    }
}

diesel::table! {
    request_nonces (nonce) {
        nonce -> Text,
        expires -> BigInt,
    }
}

diesel::table! {
    frv_logs (id) {
        id -> BigInt,
        user_id -> Text,
        certify_id -> Text,
        real_name -> Text,
        identity -> Text,
        status -> Integer,
        created_date -> BigInt,
    }
}

diesel::table! {
    user_realname (user_id) {
        user_id -> Text,
        auth_status -> Integer,
        identity -> Nullable<Text>,
        auth -> Text,
    }
}

diesel::joinable!(tokens -> users (user_id));
diesel::joinable!(user_third_party -> users (user_id));
diesel::joinable!(user_apps -> users (user_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_identities -> users (user_id));
diesel::joinable!(devices -> users (user_id));
diesel::joinable!(user_realname -> users (user_id));
diesel::joinable!(role_permissions -> roles (role_id));
diesel::joinable!(role_permissions -> permissions (permission_id));

diesel::allow_tables_to_appear_in_same_query!(
    admin_audit,
    users,
    user_apps,
    user_identities,
    user_third_party,
    roles,
    permissions,
    role_permissions,
    user_roles,
    tokens,
    uni_id_log,
    verify_codes,
    throttles,
    devices,
    opendb_devices,
    user_realname,
);
