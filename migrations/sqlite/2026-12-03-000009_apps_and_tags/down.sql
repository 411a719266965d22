DELETE FROM role_permissions WHERE permission_id = 'app.write';
DELETE FROM permissions WHERE permission_id = 'app.write';
DROP TABLE user_tags;
DROP TABLE apps;
