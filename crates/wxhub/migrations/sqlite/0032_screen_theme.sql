-- The big screens' theme (docs/screens.md): 'green', 'red', 'blue' or 'white'; NULL: green.
ALTER TABLE activities ADD COLUMN screen_theme TEXT NULL;
