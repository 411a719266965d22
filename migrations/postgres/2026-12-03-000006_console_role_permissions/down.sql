DELETE FROM permissions WHERE permission_id IN ('role.read', 'role.write');
