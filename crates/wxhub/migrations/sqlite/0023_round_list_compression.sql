-- PostgreSQL only (lz4 for the round lists); nothing to change on SQLite.
SELECT 1;
