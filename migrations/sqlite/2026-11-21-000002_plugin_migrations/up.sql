-- Which plugin migrations have run (plugins bring their own SQL per backend).
CREATE TABLE plugin_migrations (
    plugin TEXT NOT NULL,
    name TEXT NOT NULL,
    applied_date BIGINT NOT NULL,
    PRIMARY KEY (plugin, name)
);
