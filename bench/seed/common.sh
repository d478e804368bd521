# Seeding that is the same for every server (sourced by bench/run).
#
# Users are created through each server's own login endpoint (benchkit login-users), so every
# server stores them its own way. Posts are made the same way everywhere without knowing a
# server's schema: one post is created through the server's API, and once the feed shows it, its
# row is cloned in SQL with other authors, contents and times. A server whose posts table has
# more columns (status, counters) gets them copied from its own real row.

PSQL_BASE=${PSQL_BASE:-postgres://postgres@127.0.0.1:5432}
# Every server signs with it, and the seeded tokens (target/bench-work/<server>.tokens) carry it.
JWT_SECRET=bench-jwt-secret-that-is-long-enough-0123456789

# Each server's database: <prefix><server> (BENCH_DB_PREFIX, default bench_), so that two runs on one
# PostgreSQL can keep apart; a '-' in a server's name becomes '_'.
DB_PREFIX=${BENCH_DB_PREFIX:-bench_}
db_of() { local n=$1; echo "$DB_PREFIX${n//-/_}"; }

# psql on one database, quiet, unaligned, stop on error.
q() { local db=$1; shift; PGOPTIONS='-c client_min_messages=warning' psql "$PSQL_BASE/$db" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

recreate_db() {
  q postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
  q postgres -c "CREATE DATABASE \"$1\"" >/dev/null
}

# Every server's users table has nickname and avatar_url (the contract's user summary).
seed_profiles() {
  q "$1" -c "UPDATE users SET nickname = 'user ' || id,
               avatar_url = 'https://cdn.example.com/avatars/' || id || '.png'" >/dev/null
}

# api_json METHOD URL [BODY] [TOKEN]: prints the body; fails on a non-2xx status.
api_json() {
  local method=$1 url=$2 body=${3:-} token=${4:-} out status
  local args=(-sS -X "$method" -o /dev/stdout -w '\n%{http_code}' -H 'content-type: application/json')
  [ -n "$token" ] && args+=(-H "authorization: Bearer $token")
  [ -n "$body" ] && args+=(--data "$body")
  out=$(curl "${args[@]}" "$url") || return 1
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "${status:0:1}" != 2 ]; then
    echo "$method $url -> $status $out" >&2
    return 1
  fi
  printf '%s\n' "$out"
}

# seed_posts DB BASE TOKEN TOTAL USERS: make the posts table hold TOTAL posts (adds to what is
# there), authors spread over the first USERS users, times increasing with ids, all in the past.
# Prints nothing on success; on failure prints why on stderr and returns 1.
seed_posts() {
  local db=$1 base=$2 token=$3 total=$4 users=$5
  local marker="bench template post $RANDOM$RANDOM" created id table author existing n
  created=$(api_json POST "$base/api/v1/posts" "{\"content\":\"$marker\"}" "$token") || {
    echo "creating a post through POST /api/v1/posts failed" >&2; return 1; }
  id=$(jq -r '.data.id' <<<"$created")
  # A server may hold posts back (moderation) before the feed shows them: wait for it.
  local shown=""
  for _ in $(seq 1 150); do
    if curl -sf "$base/api/v1/posts?limit=5" | jq -e --arg id "$id" \
        '[.data.items[].id | tostring] | index($id)' >/dev/null 2>&1; then
      shown=1; break
    fi
    sleep 0.2
  done
  [ -n "$shown" ] || { echo "post $id never appeared in GET /api/v1/posts" >&2; return 1; }
  # The table that holds it: the one with a content column and that row.
  table=""
  for t in $(q "$db" -c "SELECT table_name FROM information_schema.columns
                         WHERE table_schema = 'public' AND column_name = 'content'"); do
    if [ "$(q "$db" -c "SELECT count(*) FROM \"$t\" WHERE id::text = '$id' AND content = '$marker'")" = 1 ]; then
      table=$t; break
    fi
  done
  [ -n "$table" ] || { echo "no table holds post $id" >&2; return 1; }
  author=$(q "$db" -c "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'
                       AND table_name = '$table' AND column_name IN ('author_id', 'user_id')
                       ORDER BY column_name LIMIT 1")
  [ -n "$author" ] || { echo "table $table has no author_id or user_id column" >&2; return 1; }
  existing=$(q "$db" -c "SELECT count(*) FROM \"$table\"")
  n=$((total - existing))
  [ "$n" -gt 0 ] || return 0
  # Columns: id left to its default; author, content and times replaced; the rest copied.
  local cols=() exprs=() times=() col type default
  while IFS='|' read -r col type default; do
    if [ "$col" = id ]; then continue; fi
    cols+=("\"$col\"")
    case "$col" in
      "$author") exprs+=("u.id") ;;
      content) exprs+=("'Post ' || g || ': ' || (ARRAY[
          'Tried the new beef noodles today, the broth is unreal.',
          'Anyone know when the autumn sale starts? I want the ceramic bowls.',
          'Our team finally shipped the mini-program. Coffee for everyone!',
          'Rainy Saturday, hot pot weather. Which place near the campus is best?',
          'Reminder: the community clean-up is on Sunday at nine.'])[g % 5 + 1]") ;;
      *) if [[ "$type" == timestamp* ]] && [[ "$col" == *_at ]] && [ "$col" != deleted_at ]; then
           exprs+=("lo.t + (now() - lo.t) * g / ($n + 1)")
         else
           exprs+=("tpl.\"$col\"")
         fi ;;
    esac
  done < <(q "$db" -F '|' -c "SELECT column_name, data_type, coalesce(column_default, '')
                              FROM information_schema.columns
                              WHERE table_schema = 'public' AND table_name = '$table'
                              ORDER BY ordinal_position")
  local time_col
  time_col=$(q "$db" -c "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'
                          AND table_name = '$table' AND column_name = 'created_at'")
  [ -n "$time_col" ] || { echo "table $table has no created_at column" >&2; return 1; }
  local IFS=,
  q "$db" -c "INSERT INTO \"$table\" (${cols[*]})
      SELECT ${exprs[*]}
      FROM \"$table\" tpl
      CROSS JOIN (SELECT max(created_at) AS t FROM \"$table\") lo
      CROSS JOIN generate_series(1, $n) g
      JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM users ORDER BY id LIMIT $users) u
        ON u.rn = g % $users
      WHERE tpl.id::text = '$id'" >/dev/null
  q "$db" -c "ANALYZE \"$table\"" >/dev/null
}

# count_orders DB SALE_ID: orders of one flash sale, from whichever table holds them (a table
# whose name mentions orders, with a flash_sale_id or sale_id column). Empty when not found.
count_orders() {
  local db=$1 sale=$2 found
  found=$(q "$db" -F '|' -c "SELECT table_name, column_name FROM information_schema.columns
                              WHERE table_schema = 'public' AND table_name LIKE '%order%'
                                AND column_name IN ('flash_sale_id', 'sale_id')
                              ORDER BY table_name LIMIT 1")
  [ -n "$found" ] || return 0
  q "$db" -c "SELECT count(*) FROM \"${found%%|*}\" WHERE \"${found##*|}\" = $sale"
}

# collect_cursors BASE PAGES OUT: walk the feed from its first page through next_cursor and write
# the path of each page, one a line (the first page, then PAGES-1 more), for the scenarios that
# rotate through pages. Cursors are keyset positions: they stay valid as new posts arrive.
collect_cursors() {
  local base=$1 pages=$2 out=$3 path="/api/v1/posts?limit=20" cursor i
  : >"$out"
  for i in $(seq 1 "$pages"); do
    printf '%s\n' "$path" >>"$out"
    [ "$i" -lt "$pages" ] || break
    cursor=$(api_json GET "$base$path" | jq -r '.data.next_cursor // empty') || return 1
    [ -n "$cursor" ] || { echo "page $i of the feed has no next_cursor" >&2; return 1; }
    path="/api/v1/posts?limit=20&cursor=$(jq -rn --arg c "$cursor" '$c | @uri')"
  done
}
