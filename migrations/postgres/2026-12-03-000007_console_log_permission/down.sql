DELETE FROM permissions WHERE permission_id = 'log.read';
