-- addFans re-writes whole fans at every sync. With full pages, PostgreSQL can place a row's new
-- version only on another page, so each update adds an entry to all four indexes and later
-- cleans them up (heap_index_delete_tuples was the largest item in the addFans profile). Half
-- of each page left free keeps the new version on its page (a HOT update, no index entries).
-- Pages written from now on follow it; existing pages as they are rewritten.
ALTER TABLE fans SET (fillfactor = 50);
