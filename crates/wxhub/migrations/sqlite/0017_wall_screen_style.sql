-- How the message wall's big screen shows messages: danmaku (lanes) or column.
ALTER TABLE wall_settings ADD COLUMN screen_style TEXT NOT NULL DEFAULT 'danmaku';
