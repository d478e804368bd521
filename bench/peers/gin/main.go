// The Gin peer: the api-contract core written the way the Go + Gin mini-program articles do it
// (Gin in release mode, pgx v4 pool, golang-jwt HS256), so that Minibase is measured against the
// backend those articles build. Built in GOPATH mode from Debian's Go packages (see bench/run).
//
// Environment: LISTEN (127.0.0.1:8081), DATABASE_URL, DB_POOL_SIZE (10), JWT_SECRET,
// WECHAT_APPID, WECHAT_SECRET, WECHAT_API_BASE.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
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

type server struct {
	db        *pgxpool.Pool
	secret    []byte
	wxBase    string
	wxAppID   string
	wxSecret  string
	wxClient  *http.Client
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
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		log.Fatalf("DATABASE_URL: %v", err)
	}
	size, err := strconv.Atoi(env("DB_POOL_SIZE", "10"))
	if err != nil || size < 1 {
		log.Fatalf("DB_POOL_SIZE must be a positive integer")
	}
	cfg.MaxConns = int32(size)
	pool, err := pgxpool.ConnectConfig(context.Background(), cfg)
	if err != nil {
		log.Fatalf("database: %v", err)
	}
	secret := os.Getenv("JWT_SECRET")
	if len(secret) < 32 {
		log.Fatalf("JWT_SECRET must be at least 32 bytes")
	}
	prefix := make([]byte, 6)
	if _, err := rand.Read(prefix); err != nil {
		log.Fatalf("random: %v", err)
	}
	s := &server{
		db:       pool,
		secret:   []byte(secret),
		wxBase:   env("WECHAT_API_BASE", "https://api.weixin.qq.com"),
		wxAppID:  env("WECHAT_APPID", "wx-mock-appid"),
		wxSecret: env("WECHAT_SECRET", "mock-secret"),
		// The default transport keeps only 2 idle connections per host, which under load
		// means a new TCP connection to WeChat for most logins.
		wxClient: &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second},
		},
		ridPrefix: hex.EncodeToString(prefix),
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
	log.Printf("gin peer listening on %s", addr)
	if err := r.Run(addr); err != nil {
		log.Fatal(err)
	}
}

// ---- envelope ----

func ok(c *gin.Context, status int, data any) {
	c.JSON(status, gin.H{"code": 0, "message": "ok", "data": data})
}

func fail(c *gin.Context, status, code int, message string) {
	c.AbortWithStatusJSON(status, gin.H{"code": code, "message": message, "data": nil, "request_id": c.GetString("request_id")})
}

func internal(c *gin.Context, err error) {
	log.Printf("request %s: %v", c.GetString("request_id"), err)
	fail(c, http.StatusInternalServerError, 50000, "internal error")
}

func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 128 {
		id = fmt.Sprintf("%s-%08x", s.ridPrefix, atomic.AddUint64(&s.ridSeq, 1))
	}
	c.Set("request_id", id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ---- auth ----

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
	_, err := jwt.ParseWithClaims(header[7:], claims, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, errors.New("unexpected signing method")
		}
		return s.secret, nil
	})
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
	if err != nil {
		fail(c, http.StatusUnauthorized, 40102, "token is not valid")
		return
	}
	c.Set("user_id", id)
	c.Next()
}

type wxSession struct {
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
	UnionID    string `json:"unionid"`
	ErrCode    int    `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
}

func (s *server) code2session(ctx context.Context, code string) (*wxSession, error) {
	q := url.Values{"appid": {s.wxAppID}, "secret": {s.wxSecret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.wxBase+"/sns/jscode2session?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.wxClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out wxSession
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	return &out, nil
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
	wx, err := s.code2session(ctx, body.Code)
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
	refresh, err := randomToken()
	if err != nil {
		internal(c, err)
		return
	}
	hash := sha256.Sum256([]byte(refresh))
	var user userSummary
	err = s.db.BeginFunc(ctx, func(tx pgx.Tx) error {
		var unionid *string
		if wx.UnionID != "" {
			unionid = &wx.UnionID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO users (openid, unionid, session_key) VALUES ($1, $2, $3)
			ON CONFLICT (openid) DO UPDATE SET session_key = EXCLUDED.session_key,
				unionid = COALESCE(EXCLUDED.unionid, users.unionid), updated_at = now()
			RETURNING id, nickname, avatar_url`, wx.OpenID, unionid, wx.SessionKey).
			Scan(&user.ID, &user.Nickname, &user.AvatarURL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`,
			user.ID, hex.EncodeToString(hash[:]), time.Now().Add(refreshTTL))
		return err
	})
	if err != nil {
		internal(c, err)
		return
	}
	now := time.Now()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   strconv.FormatInt(user.ID, 10),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(accessTTL)),
	}).SignedString(s.secret)
	if err != nil {
		internal(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"token": token, "expires_in": int(accessTTL.Seconds()), "refresh_token": refresh, "user": user})
}

// ---- users, config ----

func (s *server) me(c *gin.Context) {
	var id int64
	var nickname, avatar string
	var created time.Time
	err := s.db.QueryRow(c.Request.Context(), `SELECT id, nickname, avatar_url, created_at FROM users WHERE id = $1`,
		c.GetInt64("user_id")).Scan(&id, &nickname, &avatar, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		fail(c, http.StatusUnauthorized, 40102, "token is not valid")
		return
	} else if err != nil {
		internal(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"id": id, "nickname": nickname, "avatar_url": avatar, "created_at": rfc3339(created)})
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
	ok(c, http.StatusOK, gin.H{"items": items, "next_cursor": next})
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
	row := s.db.QueryRow(c.Request.Context(), `WITH p AS (
			INSERT INTO posts (author_id, content) VALUES ($1, $2)
			RETURNING id, author_id, content, like_count, comment_count, created_at)
		SELECT `+postColumns+` FROM p JOIN users u ON u.id = p.author_id`, c.GetInt64("user_id"), body.Content)
	p, err := scanPost(row)
	if err != nil {
		internal(c, err)
		return
	}
	ok(c, http.StatusCreated, p)
}

// ---- flash sale ----

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
	var orderID int64
	var created time.Time
	err = tx.QueryRow(ctx, `INSERT INTO flash_sale_orders (flash_sale_id, user_id) VALUES ($1, $2) RETURNING id, created_at`,
		saleID, userID).Scan(&orderID, &created)
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
	ok(c, http.StatusCreated, gin.H{"order_id": orderID, "flash_sale_id": saleID, "created_at": rfc3339(created)})
}
