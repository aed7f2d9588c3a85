-- Whether the person chose their language (/language). Until they do, it
-- follows what their channel says (Telegram's language_code); once they
-- have, the channel no longer overrides it.
ALTER TABLE people ADD COLUMN language_chosen INTEGER NOT NULL DEFAULT 0;
