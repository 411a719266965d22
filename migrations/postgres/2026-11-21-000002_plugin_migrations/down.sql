DROP TABLE plugin_migrations;
