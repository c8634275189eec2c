-- Who minted each API token: an admin may mint one for another user, and
-- the token then acts as that user, so its row says who created it
-- ('' for tokens minted before this column, whose token.create leaf
-- names the minter as its actor).

ALTER TABLE api_tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
