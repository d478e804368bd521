# Seeding hooks for the peers, Gin, Gin+GORM, Express and Fastify (sourced by bench/run). They
# share one schema, bench/peers/schema.sql, and have no admin API: configuration and sales go in
# by SQL.

peer_schema() { # DB
  q "$1" -f "$BENCH_DIR/peers/schema.sql" >/dev/null
}

peer_config() { # DB BASE
  q "$1" -v cfg="$(cat "$BENCH_DIR/seed/config.json")" >/dev/null <<'SQL'
INSERT INTO config (key, value, public)
SELECT key, value, true FROM jsonb_each(:'cfg'::jsonb)
UNION ALL SELECT 'secret.payment_key', '"not for clients"', false;
SQL
}

# Prints the new sale's id.
peer_flash_sale() { # DB BASE STOCK
  q "$1" -c "INSERT INTO flash_sales (title, stock, per_user_limit, starts_at, ends_at)
             VALUES ('Ceramic bowl set, 1 yuan', $3, 1, now() - interval '1 minute', now() + interval '1 day')
             RETURNING id"
}
