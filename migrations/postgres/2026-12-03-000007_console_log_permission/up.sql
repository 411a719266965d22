-- The console's log pages (issue 9): the login log and the audit log, read only.
INSERT INTO permissions (permission_id, permission_name, comment, create_date) VALUES
  ('log.read', 'View logs', 'Console: the login log and the audit log', 1764720000000);
