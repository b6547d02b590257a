-- The user tags (标签) a channel code gives the followers it brings: WeChat tag ids, comma
-- separated ('' for none), applied after each follow from the code.
ALTER TABLE channel_codes ADD COLUMN tag_ids TEXT NOT NULL DEFAULT '';
