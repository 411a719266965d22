DROP INDEX users_invited_2;
DROP INDEX users_invited_1;
