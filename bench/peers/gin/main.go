// The Gin peer: the api-contract core written the way an experienced Go team writes it with Gin
// (release mode, pgx v4 pool with its prepared-statement cache, golang-jwt HS256), so that
// Minibase is measured against the strongest idiomatic Go peer. Built in GOPATH mode from Debian's
// Go packages (see bench/run).
//
// Environment:
//
//	LISTEN (127.0.0.1:8081), DATABASE_URL, DB_POOL_SIZE (10), JWT_SECRET, WECHAT_APPID,
//	WECHAT_SECRET, WECHAT_API_BASE, PPROF_LISTEN (unset: no profiler; e.g. 127.0.0.1:6060 serves
//	net/http/pprof there).
//	PEER_EQUAL_WORK: unset or 0 runs the peer as shipped: login upserts the user in one statement
//	and returns a stateless refresh token (a signed JWT, no row); a post is inserted unchecked.
//	1 makes it do what Minibase does beyond the api contract: login also writes a session row
//	(the hashed refresh token) in the same transaction as the user, and every new post first
//	passes WeChat's msg_sec_check (v2, scene 3, the author's openid; the access token comes from
//	stable_token and is cached until it expires), a risky or to-be-reviewed text being refused.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	_ "net/http/pprof" // served only on PPROF_LISTEN
	"os"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v4"
	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
	"github.com/jackc/pgx/v4/pgxpool"
)

const accessTTL = 2 * time.Hour
const refreshTTL = 30 * 24 * time.Hour

// The audience of refresh tokens, so that one is never accepted as an access token.
const refreshAudience = "refresh"

type server struct {
	db        *pgxpool.Pool
	secret    []byte
	wx        *wechat
	equalWork bool
	ridPrefix string
	ridSeq    uint64
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	gin.SetMode(gin.ReleaseMode)
	dbURL := env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_gin")
	// pgx's defaults are kept where they are already the fast choice: every query goes through
	// the connection's statement cache (prepared once per connection, then one Bind/Execute
	// round trip), and results use the binary format.
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		log.Fatalf("DATABASE_URL: %v", err)
	}
	size, err := strconv.Atoi(env("DB_POOL_SIZE", "10"))
	if err != nil || size < 1 {
		log.Fatalf("DB_POOL_SIZE must be a positive integer")
	}
	cfg.MaxConns = int32(size)
	// Open the whole pool at start: a benchmark's first second should not pay for connecting.
	cfg.MinConns = int32(size)
	pool, err := pgxpool.ConnectConfig(context.Background(), cfg)
	if err != nil {
		log.Fatalf("database: %v", err)
	}
	secret := os.Getenv("JWT_SECRET")
	if len(secret) < 32 {
		log.Fatalf("JWT_SECRET must be at least 32 bytes")
	}
	equal := env("PEER_EQUAL_WORK", "0")
	if equal != "0" && equal != "1" {
		log.Fatalf("PEER_EQUAL_WORK must be 0 or 1")
	}
	prefix := make([]byte, 6)
	if _, err := rand.Read(prefix); err != nil {
		log.Fatalf("random: %v", err)
	}
	s := &server{
		db:        pool,
		secret:    []byte(secret),
		wx:        newWechat(env("WECHAT_API_BASE", "https://api.weixin.qq.com"), env("WECHAT_APPID", "wx-mock-appid"), env("WECHAT_SECRET", "mock-secret")),
		equalWork: equal == "1",
		ridPrefix: hex.EncodeToString(prefix) + "-",
	}
	if addr := os.Getenv("PPROF_LISTEN"); addr != "" {
		go func() { log.Println(http.ListenAndServe(addr, nil)) }()
	}

	r := gin.New()
	r.Use(gin.Recovery(), s.requestID)
	r.NoRoute(func(c *gin.Context) { fail(c, http.StatusNotFound, 40400, "no route for this path") })
	r.GET("/ping", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"message": "pong"}) })
	api := r.Group("/api/v1")
	api.POST("/auth/login", s.login)
	api.GET("/config", s.publicConfig)
	api.GET("/posts", s.listPosts)
	authed := api.Group("", s.auth)
	authed.GET("/users/me", s.me)
	authed.POST("/posts", s.createPost)
	authed.POST("/flash-sales/:id/orders", s.order)

	addr := env("LISTEN", "127.0.0.1:8081")
	log.Printf("gin peer listening on %s (equal work: %v)", addr, s.equalWork)
	if err := r.Run(addr); err != nil {
		log.Fatal(err)
	}
}

// ---- envelope ----

type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

type errorEnvelope struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	Data      any    `json:"data"`
	RequestID string `json:"request_id"`
}

func ok(c *gin.Context, status int, data any) {
	c.JSON(status, envelope{Code: 0, Message: "ok", Data: data})
}

func fail(c *gin.Context, status, code int, message string) {
	c.AbortWithStatusJSON(status, errorEnvelope{Code: code, Message: message, RequestID: c.GetString("request_id")})
}

func internal(c *gin.Context, err error) {
	log.Printf("request %s: %v", c.GetString("request_id"), err)
	fail(c, http.StatusInternalServerError, 50000, "internal error")
}

func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 128 {
		id = s.ridPrefix + strconv.FormatUint(atomic.AddUint64(&s.ridSeq, 1), 16)
	}
	c.Set("request_id", id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ---- auth ----

func (s *server) keyFunc(t *jwt.Token) (any, error) {
	if t.Method != jwt.SigningMethodHS256 {
		return nil, errors.New("unexpected signing method")
	}
	return s.secret, nil
}

func (s *server) auth(c *gin.Context) {
	header := c.GetHeader("Authorization")
	if header == "" {
		fail(c, http.StatusUnauthorized, 40100, "missing bearer token")
		return
	}
	if len(header) < 8 || !(header[:7] == "Bearer " || header[:7] == "bearer ") {
		fail(c, http.StatusUnauthorized, 40101, "Authorization must be 'Bearer <token>'")
		return
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(header[7:], claims, s.keyFunc)
	if err != nil {
		var verr *jwt.ValidationError
		switch {
		case errors.As(err, &verr) && verr.Errors&jwt.ValidationErrorMalformed != 0:
			fail(c, http.StatusUnauthorized, 40101, "token is not a well-formed JWT")
		case errors.As(err, &verr) && verr.Errors&jwt.ValidationErrorExpired != 0:
			fail(c, http.StatusUnauthorized, 40103, "access token has expired")
		default:
			fail(c, http.StatusUnauthorized, 40102, "token is not valid")
		}
		return
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || len(claims.Audience) > 0 {
		fail(c, http.StatusUnauthorized, 40102, "token is not valid")
		return
	}
	c.Set("user_id", id)
	c.Next()
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

type userSummary struct {
	ID        int64  `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

type loginAnswer struct {
	Token        string      `json:"token"`
	ExpiresIn    int         `json:"expires_in"`
	RefreshToken string      `json:"refresh_token"`
	User         userSummary `json:"user"`
}

const upsertUser = `INSERT INTO users (openid, unionid, session_key) VALUES ($1, $2, $3)
	ON CONFLICT (openid) DO UPDATE SET session_key = EXCLUDED.session_key,
		unionid = COALESCE(EXCLUDED.unionid, users.unionid), updated_at = now()
	RETURNING id, nickname, avatar_url`

// Equal work: the user and the session row in one statement, hence one transaction and one
// round trip (BEGIN, two INSERTs and COMMIT would be four, with the connection held for all).
const upsertUserWithSession = `WITH u AS (` + upsertUser + `),
	s AS (INSERT INTO refresh_tokens (user_id, token_hash, expires_at) SELECT id, $4, $5 FROM u)
	SELECT id, nickname, avatar_url FROM u`

func (s *server) login(c *gin.Context) {
	var body struct {
		Code string `json:"code"`
	}
	if err := c.ShouldBindJSON(&body); err != nil {
		fail(c, http.StatusBadRequest, 40001, "body is not valid JSON")
		return
	}
	if body.Code == "" || len(body.Code) > 128 {
		fail(c, http.StatusUnprocessableEntity, 42200, "code: must be 1-128 characters")
		return
	}
	ctx := c.Request.Context()
	wx, err := s.wx.code2session(ctx, body.Code)
	if err != nil {
		fail(c, http.StatusBadGateway, 50200, "WeChat could not be reached")
		return
	}
	switch wx.ErrCode {
	case 0:
	case 40029:
		fail(c, http.StatusBadRequest, 40010, "WeChat rejected the code")
		return
	case 40163:
		fail(c, http.StatusBadRequest, 40011, "the code was already used")
		return
	case 40226:
		fail(c, http.StatusForbidden, 40302, "WeChat flagged the user as risky")
		return
	case -1:
		fail(c, http.StatusBadGateway, 50200, "WeChat is busy")
		return
	case 45011:
		fail(c, http.StatusBadGateway, 50201, "WeChat rate limit reached")
		return
	default:
		fail(c, http.StatusBadGateway, 50202, "WeChat answered an error")
		return
	}
	var unionid *string
	if wx.UnionID != "" {
		unionid = &wx.UnionID
	}
	now := time.Now()
	var user userSummary
	var refresh string
	if s.equalWork {
		if refresh, err = randomToken(); err != nil {
			internal(c, err)
			return
		}
		hash := sha256.Sum256([]byte(refresh))
		err = s.db.QueryRow(ctx, upsertUserWithSession, wx.OpenID, unionid, wx.SessionKey,
			hex.EncodeToString(hash[:]), now.Add(refreshTTL)).Scan(&user.ID, &user.Nickname, &user.AvatarURL)
	} else {
		err = s.db.QueryRow(ctx, upsertUser, wx.OpenID, unionid, wx.SessionKey).Scan(&user.ID, &user.Nickname, &user.AvatarURL)
	}
	if err != nil {
		internal(c, err)
		return
	}
	subject := strconv.FormatInt(user.ID, 10)
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   subject,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(accessTTL)),
	}).SignedString(s.secret)
	if err != nil {
		internal(c, err)
		return
	}
	if !s.equalWork {
		// Stateless: the refresh token is a long-lived JWT of its own audience.
		refresh, err = jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
			Subject:   subject,
			Audience:  jwt.ClaimStrings{refreshAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(refreshTTL)),
		}).SignedString(s.secret)
		if err != nil {
			internal(c, err)
			return
		}
	}
	ok(c, http.StatusOK, loginAnswer{Token: token, ExpiresIn: int(accessTTL.Seconds()), RefreshToken: refresh, User: user})
}

// ---- users, config ----

type me struct {
	ID        int64  `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
	CreatedAt string `json:"created_at"`
}

func (s *server) me(c *gin.Context) {
	var u me
	var created time.Time
	err := s.db.QueryRow(c.Request.Context(), `SELECT id, nickname, avatar_url, created_at FROM users WHERE id = $1`,
		c.GetInt64("user_id")).Scan(&u.ID, &u.Nickname, &u.AvatarURL, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		fail(c, http.StatusUnauthorized, 40102, "token is not valid")
		return
	} else if err != nil {
		internal(c, err)
		return
	}
	u.CreatedAt = rfc3339(created)
	ok(c, http.StatusOK, u)
}

func (s *server) publicConfig(c *gin.Context) {
	rows, err := s.db.Query(c.Request.Context(), `SELECT key, value FROM config WHERE public ORDER BY key`)
	if err != nil {
		internal(c, err)
		return
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var key string
		var value []byte
		if err := rows.Scan(&key, &value); err != nil {
			internal(c, err)
			return
		}
		out[key] = value
	}
	if err := rows.Err(); err != nil {
		internal(c, err)
		return
	}
	ok(c, http.StatusOK, out)
}

// ---- posts ----

type post struct {
	ID           int64       `json:"id"`
	Author       userSummary `json:"author"`
	Content      string      `json:"content"`
	LikeCount    int32       `json:"like_count"`
	CommentCount int32       `json:"comment_count"`
	CreatedAt    string      `json:"created_at"`
}

func scanPost(row pgx.Row) (post, error) {
	var p post
	var created time.Time
	err := row.Scan(&p.ID, &p.Content, &p.LikeCount, &p.CommentCount, &created, &p.Author.ID, &p.Author.Nickname, &p.Author.AvatarURL)
	p.CreatedAt = rfc3339(created)
	return p, err
}

const postColumns = `p.id, p.content, p.like_count, p.comment_count, p.created_at, u.id, u.nickname, u.avatar_url`

type page struct {
	Items      []post  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func (s *server) listPosts(c *gin.Context) {
	limit := 20
	if v, present := c.GetQuery("limit"); present {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fail(c, http.StatusBadRequest, 40002, "limit: must be an integer from 1 to 100")
			return
		}
		limit = n
	}
	ctx := c.Request.Context()
	var rows pgx.Rows
	var err error
	if cursor := c.Query("cursor"); cursor != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(cursor)
		before, perr := strconv.ParseInt(string(raw), 10, 64)
		if derr != nil || perr != nil || before < 1 {
			fail(c, http.StatusBadRequest, 40003, "cursor is not valid")
			return
		}
		rows, err = s.db.Query(ctx, `SELECT `+postColumns+` FROM posts p JOIN users u ON u.id = p.author_id
			WHERE p.id < $1 ORDER BY p.id DESC LIMIT $2`, before, limit)
	} else {
		rows, err = s.db.Query(ctx, `SELECT `+postColumns+` FROM posts p JOIN users u ON u.id = p.author_id
			ORDER BY p.id DESC LIMIT $1`, limit)
	}
	if err != nil {
		internal(c, err)
		return
	}
	defer rows.Close()
	items := make([]post, 0, limit)
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			internal(c, err)
			return
		}
		items = append(items, p)
	}
	if err := rows.Err(); err != nil {
		internal(c, err)
		return
	}
	var next *string
	if len(items) == limit {
		cur := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(items[len(items)-1].ID, 10)))
		next = &cur
	}
	ok(c, http.StatusOK, page{Items: items, NextCursor: next})
}

func (s *server) createPost(c *gin.Context) {
	var body struct {
		Content string `json:"content"`
	}
	if err := c.ShouldBindJSON(&body); err != nil {
		fail(c, http.StatusBadRequest, 40001, "body is not valid JSON")
		return
	}
	if n := utf8.RuneCountInString(body.Content); n < 1 || n > 2000 {
		fail(c, http.StatusUnprocessableEntity, 42200, "content: length must be between 1 and 2000")
		return
	}
	ctx := c.Request.Context()
	userID := c.GetInt64("user_id")
	if s.equalWork {
		var openid string
		err := s.db.QueryRow(ctx, `SELECT openid FROM users WHERE id = $1`, userID).Scan(&openid)
		if errors.Is(err, pgx.ErrNoRows) {
			fail(c, http.StatusUnauthorized, 40102, "token is not valid")
			return
		} else if err != nil {
			internal(c, err)
			return
		}
		suggest, err := s.wx.msgSecCheck(ctx, body.Content, openid, 3)
		if err != nil {
			log.Printf("request %s: content check: %v", c.GetString("request_id"), err)
			fail(c, http.StatusBadGateway, 50200, "WeChat's content check could not be reached")
			return
		}
		if suggest != "pass" {
			fail(c, http.StatusUnprocessableEntity, 42210, "the content did not pass the content security check")
			return
		}
	}
	row := s.db.QueryRow(ctx, `WITH p AS (
			INSERT INTO posts (author_id, content) VALUES ($1, $2)
			RETURNING id, author_id, content, like_count, comment_count, created_at)
		SELECT `+postColumns+` FROM p JOIN users u ON u.id = p.author_id`, userID, body.Content)
	p, err := scanPost(row)
	if err != nil {
		internal(c, err)
		return
	}
	ok(c, http.StatusCreated, p)
}

// ---- flash sale ----

type orderAnswer struct {
	OrderID     int64  `json:"order_id"`
	FlashSaleID int64  `json:"flash_sale_id"`
	CreatedAt   string `json:"created_at"`
}

func (s *server) order(c *gin.Context) {
	saleID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		fail(c, http.StatusNotFound, 40401, "flash sale not found")
		return
	}
	userID := c.GetInt64("user_id")
	ctx := c.Request.Context()
	tx, err := s.db.Begin(ctx)
	if err != nil {
		internal(c, err)
		return
	}
	defer tx.Rollback(ctx)
	// Take one unit of stock atomically; the row lock serialises concurrent buyers.
	tag, err := tx.Exec(ctx, `UPDATE flash_sales SET stock = stock - 1
		WHERE id = $1 AND stock > 0 AND starts_at <= now() AND ends_at > now()`, saleID)
	if err != nil {
		internal(c, err)
		return
	}
	if tag.RowsAffected() == 0 {
		tx.Rollback(ctx)
		var stock int
		var starts, ends time.Time
		err := s.db.QueryRow(ctx, `SELECT stock, starts_at, ends_at FROM flash_sales WHERE id = $1`, saleID).Scan(&stock, &starts, &ends)
		now := time.Now()
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			fail(c, http.StatusNotFound, 40401, "flash sale not found")
		case err != nil:
			internal(c, err)
		case now.Before(starts):
			fail(c, http.StatusBadRequest, 40020, "the flash sale has not started")
		case !now.Before(ends):
			fail(c, http.StatusBadRequest, 40021, "the flash sale has ended")
		default:
			fail(c, http.StatusConflict, 40910, "sold out")
		}
		return
	}
	var answer orderAnswer
	var created time.Time
	err = tx.QueryRow(ctx, `INSERT INTO flash_sale_orders (flash_sale_id, user_id) VALUES ($1, $2) RETURNING id, created_at`,
		saleID, userID).Scan(&answer.OrderID, &created)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		fail(c, http.StatusConflict, 40911, "you already bought this item")
		return
	} else if err != nil {
		internal(c, err)
		return
	}
	if err := tx.Commit(ctx); err != nil {
		internal(c, err)
		return
	}
	answer.FlashSaleID = saleID
	answer.CreatedAt = rfc3339(created)
	ok(c, http.StatusCreated, answer)
}
