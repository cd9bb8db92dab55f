-- Why an address was banned.  A column with a default, so Teranode's own
-- INSERT (key, expiration_time, subnet) keeps working on this table.
ALTER TABLE bans ADD COLUMN reason TEXT NOT NULL DEFAULT '';
