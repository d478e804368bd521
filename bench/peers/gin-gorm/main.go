// The Gin+GORM peer: the api-contract core written the way the Gin + GORM mini-program articles
// do it (Gin in release mode, GORM v1 models and query builder on the postgres dialect, i.e.
// database/sql and lib/pq, golang-jwt HS256), on the same schema as the Gin peer
// (bench/peers/schema.sql). Built in GOPATH mode from Debian's Go packages (see bench/run):
// Debian packages GORM v1 (github.com/jinzhu/gorm) only, not gorm.io v2.
//
// Environment:
//
//	LISTEN (127.0.0.1:8085), DATABASE_URL, DB_POOL_SIZE (10), JWT_SECRET, WECHAT_APPID,
//	WECHAT_SECRET, WECHAT_API_BASE.
//	PEER_EQUAL_WORK: unset or 0 runs the peer as shipped: login finds or creates the user and
//	returns a stateless refresh token (a signed JWT, no row); a post is inserted unchecked.
//	1 makes it do what Minibase does beyond the api contract: login also writes a session row
//	(the hashed refresh token) in the same transaction as the user, and every new post first
//	passes WeChat's msg_sec_check (v2, scene 3, the author's openid; the access token comes from
//	stable_token and is cached until it expires), a risky or to-be-reviewed text being refused.
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v4"
	"github.com/jinzhu/gorm"
	_ "github.com/jinzhu/gorm/dialects/postgres"
	"github.com/lib/pq"
)

const accessTTL = 2 * time.Hour
const refreshTTL = 30 * 24 * time.Hour

// The audience of refresh tokens, so that one is never accepted as an access token.
const refreshAudience = "refresh"

// ---- models ----

type User struct {
	ID         int64   `gorm:"primary_key"`
	OpenID     string  `gorm:"column:openid"`
	UnionID    *string `gorm:"column:unionid"`
	SessionKey string
	Nickname   string
	AvatarURL  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

type RefreshToken struct {
	ID        int64 `gorm:"primary_key"`
	UserID    int64
	TokenHash string
	ExpiresAt time.Time
	CreatedAt time.Time
}

type ConfigEntry struct {
	Key    string          `gorm:"primary_key"`
	Value  json.RawMessage `gorm:"type:jsonb"`
	Public bool
}

func (ConfigEntry) TableName() string { return "config" }

type Post struct {
	ID           int64 `gorm:"primary_key"`
	AuthorID     int64
	Author       User
	Content      string
	LikeCount    int32
	CommentCount int32
	CreatedAt    time.Time
}

type FlashSale struct {
	ID           int64 `gorm:"primary_key"`
	Title        string
	Stock        int
	PerUserLimit int
	StartsAt     time.Time
	EndsAt       time.Time
}

type FlashSaleOrder struct {
	ID          int64 `gorm:"primary_key"`
	FlashSaleID int64
	UserID      int64
	CreatedAt   time.Time
}

// ---- server ----

type server struct {
	db        *gorm.DB
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
	db, err := gorm.Open("postgres", env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_gin_gorm"))
	if err != nil {
		log.Fatalf("database: %v", err)
	}
	size, err := strconv.Atoi(env("DB_POOL_SIZE", "10"))
	if err != nil || size < 1 {
		log.Fatalf("DB_POOL_SIZE must be a positive integer")
	}
	// database/sql keeps only 2 idle connections by default: under load every other query
	// would open a new PostgreSQL connection.
	db.DB().SetMaxOpenConns(size)
	db.DB().SetMaxIdleConns(size)
	db.LogMode(false)
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
		db:        db,
		secret:    []byte(secret),
		wx:        newWechat(env("WECHAT_API_BASE", "https://api.weixin.qq.com"), env("WECHAT_APPID", "wx-mock-appid"), env("WECHAT_SECRET", "mock-secret")),
		equalWork: equal == "1",
		ridPrefix: hex.EncodeToString(prefix) + "-",
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

	addr := env("LISTEN", "127.0.0.1:8085")
	log.Printf("gin+gorm peer listening on %s (equal work: %v)", addr, s.equalWork)
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

func summary(u *User) userSummary {
	return userSummary{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
}

type loginAnswer struct {
	Token        string      `json:"token"`
	ExpiresIn    int         `json:"expires_in"`
	RefreshToken string      `json:"refresh_token"`
	User         userSummary `json:"user"`
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
	wx, err := s.wx.code2session(c.Request.Context(), body.Code)
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
	attrs := User{SessionKey: wx.SessionKey}
	if wx.UnionID != "" {
		attrs.UnionID = &wx.UnionID
	}
	now := time.Now()
	var user User
	var refresh string
	if s.equalWork {
		if refresh, err = randomToken(); err != nil {
			internal(c, err)
			return
		}
		hash := sha256.Sum256([]byte(refresh))
		err = s.db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Where(User{OpenID: wx.OpenID}).Assign(attrs).FirstOrCreate(&user).Error; err != nil {
				return err
			}
			return tx.Create(&RefreshToken{UserID: user.ID, TokenHash: hex.EncodeToString(hash[:]), ExpiresAt: now.Add(refreshTTL)}).Error
		})
	} else {
		err = s.db.Where(User{OpenID: wx.OpenID}).Assign(attrs).FirstOrCreate(&user).Error
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
	ok(c, http.StatusOK, loginAnswer{Token: token, ExpiresIn: int(accessTTL.Seconds()), RefreshToken: refresh, User: summary(&user)})
}

// ---- users, config ----

type me struct {
	ID        int64  `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
	CreatedAt string `json:"created_at"`
}

func (s *server) me(c *gin.Context) {
	var u User
	err := s.db.First(&u, c.GetInt64("user_id")).Error
	if gorm.IsRecordNotFoundError(err) {
		fail(c, http.StatusUnauthorized, 40102, "token is not valid")
		return
	} else if err != nil {
		internal(c, err)
		return
	}
	ok(c, http.StatusOK, me{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL, CreatedAt: rfc3339(u.CreatedAt)})
}

func (s *server) publicConfig(c *gin.Context) {
	var entries []ConfigEntry
	if err := s.db.Where("public = ?", true).Order("key").Find(&entries).Error; err != nil {
		internal(c, err)
		return
	}
	out := make(map[string]json.RawMessage, len(entries))
	for _, e := range entries {
		out[e.Key] = e.Value
	}
	ok(c, http.StatusOK, out)
}

// ---- posts ----

type postAnswer struct {
	ID           int64       `json:"id"`
	Author       userSummary `json:"author"`
	Content      string      `json:"content"`
	LikeCount    int32       `json:"like_count"`
	CommentCount int32       `json:"comment_count"`
	CreatedAt    string      `json:"created_at"`
}

func answer(p *Post) postAnswer {
	return postAnswer{ID: p.ID, Author: summary(&p.Author), Content: p.Content, LikeCount: p.LikeCount,
		CommentCount: p.CommentCount, CreatedAt: rfc3339(p.CreatedAt)}
}

type page struct {
	Items      []postAnswer `json:"items"`
	NextCursor *string      `json:"next_cursor"`
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
	query := s.db.Preload("Author").Order("id desc").Limit(limit)
	if cursor := c.Query("cursor"); cursor != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(cursor)
		before, perr := strconv.ParseInt(string(raw), 10, 64)
		if derr != nil || perr != nil || before < 1 {
			fail(c, http.StatusBadRequest, 40003, "cursor is not valid")
			return
		}
		query = query.Where("id < ?", before)
	}
	var posts []Post
	if err := query.Find(&posts).Error; err != nil {
		internal(c, err)
		return
	}
	items := make([]postAnswer, len(posts))
	for i := range posts {
		items[i] = answer(&posts[i])
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
	var author User
	err := s.db.First(&author, c.GetInt64("user_id")).Error
	if gorm.IsRecordNotFoundError(err) {
		fail(c, http.StatusUnauthorized, 40102, "token is not valid")
		return
	} else if err != nil {
		internal(c, err)
		return
	}
	if s.equalWork {
		suggest, err := s.wx.msgSecCheck(c.Request.Context(), body.Content, author.OpenID, 3)
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
	post := Post{AuthorID: author.ID, Content: body.Content}
	if err := s.db.Create(&post).Error; err != nil {
		internal(c, err)
		return
	}
	post.Author = author
	ok(c, http.StatusCreated, answer(&post))
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
	tx := s.db.Begin()
	if tx.Error != nil {
		internal(c, tx.Error)
		return
	}
	defer tx.RollbackUnlessCommitted()
	// Take one unit of stock atomically; the row lock serialises concurrent buyers.
	taken := tx.Model(&FlashSale{}).
		Where("id = ? AND stock > 0 AND starts_at <= now() AND ends_at > now()", saleID).
		UpdateColumn("stock", gorm.Expr("stock - 1"))
	if taken.Error != nil {
		internal(c, taken.Error)
		return
	}
	if taken.RowsAffected == 0 {
		tx.Rollback()
		var sale FlashSale
		err := s.db.First(&sale, saleID).Error
		now := time.Now()
		switch {
		case gorm.IsRecordNotFoundError(err):
			fail(c, http.StatusNotFound, 40401, "flash sale not found")
		case err != nil:
			internal(c, err)
		case now.Before(sale.StartsAt):
			fail(c, http.StatusBadRequest, 40020, "the flash sale has not started")
		case !now.Before(sale.EndsAt):
			fail(c, http.StatusBadRequest, 40021, "the flash sale has ended")
		default:
			fail(c, http.StatusConflict, 40910, "sold out")
		}
		return
	}
	order := FlashSaleOrder{FlashSaleID: saleID, UserID: c.GetInt64("user_id")}
	err = tx.Create(&order).Error
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		fail(c, http.StatusConflict, 40911, "you already bought this item")
		return
	} else if err != nil {
		internal(c, err)
		return
	}
	if err := tx.Commit().Error; err != nil {
		internal(c, err)
		return
	}
	ok(c, http.StatusCreated, orderAnswer{OrderID: order.ID, FlashSaleID: saleID, CreatedAt: rfc3339(order.CreatedAt)})
}
