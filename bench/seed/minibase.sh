# Seeding hooks for Minibase (sourced by bench/run). Minibase's schema comes from its migrations
# (`minibase migrate`); configuration and flash sales go in through its admin API, as an operator
# would, with an admin account made by `minibase admin create`.

MINIBASE_ADMIN_USER=bench-admin
MINIBASE_ADMIN_PASSWORD=bench-admin-password-0123456789

# The environment Minibase is measured with, as NAME=value words. Per-client limits are off: the
# peers have none, and 10,000 users behind one load generator's address would trip them.
minibase_env() { # PORT DATABASE_URL MOCK_URL
  echo MINIBASE_LISTEN=127.0.0.1:$1 MINIBASE_DATABASE_URL=$2 \
    MINIBASE_DATABASE_MAX_CONNECTIONS=10 MINIBASE_JWT_SECRET=$JWT_SECRET \
    MINIBASE_WECHAT_APPID=wx-mock-appid MINIBASE_WECHAT_SECRET=mock-secret \
    MINIBASE_WECHAT_API_BASE=$3 MINIBASE_LOG_LEVEL=warn \
    MINIBASE_LOGIN_RATE_PER_IP=0 MINIBASE_LOGIN_RATE_PER_OPENID=0 MINIBASE_POSTS_PER_MINUTE=0 \
    MINIBASE_FLASH_SALE_ORDER_RATE_PER_USER=0 MINIBASE_FLASH_SALE_ORDER_RATE_PER_IP=0
}

minibase_schema() { # DB
  "$MINIBASE_BIN" migrate >/dev/null
  printf '%s\n' "$MINIBASE_ADMIN_PASSWORD" |
    "$MINIBASE_BIN" admin create --username "$MINIBASE_ADMIN_USER" --password-stdin >/dev/null
}

minibase_admin_token() { # BASE
  api_json POST "$1/api/v1/admin/auth/login" \
    "{\"username\":\"$MINIBASE_ADMIN_USER\",\"password\":\"$MINIBASE_ADMIN_PASSWORD\"}" | jq -r .data.token
}

minibase_config() { # DB BASE
  local base=$2 token key
  token=$(minibase_admin_token "$base") || return 1
  for key in $(jq -r 'keys[]' "$BENCH_DIR/seed/config.json"); do
    api_json PUT "$base/api/v1/admin/config/$key" \
      "$(jq -c --arg k "$key" '{value: .[$k], public: true}' "$BENCH_DIR/seed/config.json")" "$token" >/dev/null || return 1
  done
  api_json PUT "$base/api/v1/admin/config/secret.payment_key" '{"value":"not for clients","public":false}' "$token" >/dev/null
}

# Prints the new sale's id: a product, then a sale of it (the admin API of docs/flash-sale.md).
minibase_flash_sale() { # DB BASE STOCK
  local base=$2 stock=$3 token starts ends product
  token=$(minibase_admin_token "$base") || return 1
  starts=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
  ends=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
  product=$(api_json POST "$base/api/v1/admin/products" \
    '{"name":"Ceramic bowl set","price_cents":9900}' "$token" | jq -er .data.id) || return 1
  api_json POST "$base/api/v1/admin/flash-sales" \
    "{\"product_id\":$product,\"title\":\"Ceramic bowl set, 1 yuan\",\"sale_price_cents\":100,\"stock\":$stock,\"per_user_limit\":1,\"starts_at\":\"$starts\",\"ends_at\":\"$ends\"}" \
    "$token" | jq -er .data.id
}
