-- The console's permissions (issue 9): a role holding them may use the matching console pages
-- without being an administrator (e.g. support staff with user.read only).
INSERT INTO permissions (permission_id, permission_name, comment, create_date) VALUES
  ('user.read', 'View users', 'Console: the user list and user pages', 1764720000000),
  ('user.write', 'Change users', 'Console: edit users (status, roles, apps, password)', 1764720000000);
