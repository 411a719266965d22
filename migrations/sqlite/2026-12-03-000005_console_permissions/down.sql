DELETE FROM permissions WHERE permission_id IN ('user.read', 'user.write');
