DROP INDEX user_apps_app;
DROP INDEX users_last_login;
DROP INDEX users_register_date;
DROP INDEX users_status;
DROP INDEX users_search;
