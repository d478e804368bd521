-- The peers' schema (Gin, Gin+GORM, Express and Fastify share it): what a team following the usual
-- mini-program articles would write for the api-contract core. Applied by bench/run to each
-- peer's own database before the peer starts.

CREATE TABLE IF NOT EXISTS users (
    id          BIGSERIAL PRIMARY KEY,
    openid      VARCHAR(64)  NOT NULL UNIQUE,
    unionid     VARCHAR(64),
    session_key VARCHAR(64),
    nickname    VARCHAR(64)  NOT NULL DEFAULT '',
    avatar_url  VARCHAR(512) NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Sessions: refresh tokens stored hashed. Only equal-work mode (PEER_EQUAL_WORK=1) writes one per
-- login; as shipped, the peers' refresh tokens are stateless JWTs (see README.md).
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash CHAR(64)    NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE IF NOT EXISTS config (
    key    VARCHAR(128) PRIMARY KEY,
    value  JSONB        NOT NULL,
    public BOOLEAN      NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS posts (
    id            BIGSERIAL PRIMARY KEY,
    author_id     BIGINT      NOT NULL REFERENCES users (id),
    content       TEXT        NOT NULL,
    like_count    INTEGER     NOT NULL DEFAULT 0,
    comment_count INTEGER     NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_posts_author ON posts (author_id);

CREATE TABLE IF NOT EXISTS flash_sales (
    id             BIGSERIAL PRIMARY KEY,
    title          VARCHAR(128) NOT NULL,
    stock          INTEGER      NOT NULL CHECK (stock >= 0),
    per_user_limit INTEGER      NOT NULL DEFAULT 1,
    starts_at      TIMESTAMPTZ  NOT NULL,
    ends_at        TIMESTAMPTZ  NOT NULL
);

-- One order per user and sale: the unique key is the per-user limit of 1.
CREATE TABLE IF NOT EXISTS flash_sale_orders (
    id            BIGSERIAL PRIMARY KEY,
    flash_sale_id BIGINT      NOT NULL REFERENCES flash_sales (id),
    user_id       BIGINT      NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (flash_sale_id, user_id)
);
