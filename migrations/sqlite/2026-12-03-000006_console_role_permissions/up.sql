-- The console's roles pages (issue 9): looking at roles and permissions, and changing them.
INSERT INTO permissions (permission_id, permission_name, comment, create_date) VALUES
  ('role.read', 'View roles', 'Console: the roles and permissions pages', 1764720000000),
  ('role.write', 'Change roles', 'Console: create, change and delete roles and permissions', 1764720000000);
