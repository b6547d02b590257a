-- How the big screens and public lottery results name people (docs/screens.md): 'full' (the
-- real name), 'masked' (张*三) or 'nickname'; NULL: by the activity's purpose (an internal
-- lottery or an activity restricted to a roster: full, else masked).
ALTER TABLE activities ADD COLUMN name_display TEXT NULL;
