-- Address bans.  Same table as Teranode's BanList (services/p2p/BanList.go),
-- so either program can read the other's rows: key = the banned address text,
-- expiration_time = when the ban ends, subnet = the CIDR the ban covers
-- ("1.2.3.4/32", "2001:db8::/32").
CREATE TABLE IF NOT EXISTS bans (
    key TEXT PRIMARY KEY,
    expiration_time TIMESTAMP WITH TIME ZONE,
    subnet TEXT
);
CREATE INDEX IF NOT EXISTS bans_subnet_idx ON bans (subnet);
CREATE INDEX IF NOT EXISTS bans_expiration_idx ON bans (expiration_time);
