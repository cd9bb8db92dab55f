-- Ban scores and bans of libp2p peer IDs (Teranode keeps these in memory
-- only; terap2p makes them survive a restart).  score is as of
-- last_update_ms (wall-clock ms) and decays from there; banned_until is unix
-- seconds, 0 when not banned; reasons is the history, newline-separated,
-- oldest first.
CREATE TABLE IF NOT EXISTS ban_peers (
    peer_id TEXT PRIMARY KEY,
    score INTEGER NOT NULL,
    last_update_ms BIGINT NOT NULL,
    banned_until BIGINT NOT NULL DEFAULT 0,
    ban_reason TEXT NOT NULL DEFAULT '',
    reasons TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ban_peers_until_idx ON ban_peers (banned_until);
