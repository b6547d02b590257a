-- PostgreSQL only (room for HOT updates of fans); SQLite has no fill factor.
SELECT 1;
