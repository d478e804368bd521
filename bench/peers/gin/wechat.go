package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// wechat is the peer's client for WeChat's server APIs: code2session, and for equal work the
// access token (stable_token, cached) and msg_sec_check.
type wechat struct {
	base, appID, secret string
	client              *http.Client

	mu          sync.RWMutex
	token       string
	tokenExpiry time.Time
}

func newWechat(base, appID, secret string) *wechat {
	return &wechat{
		base: base, appID: appID, secret: secret,
		// The default transport keeps only 2 idle connections per host, which under load
		// means a new TCP connection to WeChat for most requests.
		client: &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second},
		},
	}
}

type wxSession struct {
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
	UnionID    string `json:"unionid"`
	ErrCode    int    `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
}

func (w *wechat) do(req *http.Request, out any) error {
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("WeChat answered HTTP %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (w *wechat) code2session(ctx context.Context, code string) (*wxSession, error) {
	q := url.Values{"appid": {w.appID}, "secret": {w.secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.base+"/sns/jscode2session?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var out wxSession
	if err := w.do(req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (w *wechat) postJSON(ctx context.Context, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return w.do(req, out)
}

// accessToken returns the cached token, or fetches one from stable_token when there is none,
// it is about to expire, or WeChat refused `stale` (then another request may have replaced it
// already).
func (w *wechat) accessToken(ctx context.Context, stale string) (string, error) {
	w.mu.RLock()
	token, expiry := w.token, w.tokenExpiry
	w.mu.RUnlock()
	if token != "" && token != stale && time.Now().Before(expiry) {
		return token, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.token != "" && w.token != stale && time.Now().Before(w.tokenExpiry) {
		return w.token, nil
	}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
	}
	body := map[string]any{"grant_type": "client_credential", "appid": w.appID, "secret": w.secret, "force_refresh": false}
	if err := w.postJSON(ctx, "/cgi-bin/stable_token", body, &out); err != nil {
		return "", err
	}
	if out.ErrCode != 0 || out.AccessToken == "" {
		return "", fmt.Errorf("stable_token: %d %s", out.ErrCode, out.ErrMsg)
	}
	w.token = out.AccessToken
	// Renewed five minutes early, so that no request carries a token that expires on the way.
	w.tokenExpiry = time.Now().Add(time.Duration(out.ExpiresIn)*time.Second - 5*time.Minute)
	return w.token, nil
}

var errTokenRefused = errors.New("access token refused")

// msgSecCheck checks text with msg_sec_check version 2 and returns WeChat's suggestion
// ("pass", "review" or "risky").
func (w *wechat) msgSecCheck(ctx context.Context, content, openid string, scene int) (string, error) {
	stale := ""
	for attempt := 0; attempt < 2; attempt++ {
		token, err := w.accessToken(ctx, stale)
		if err != nil {
			return "", err
		}
		var out struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
			Result  struct {
				Suggest string `json:"suggest"`
			} `json:"result"`
		}
		body := map[string]any{"content": content, "version": 2, "scene": scene, "openid": openid}
		if err := w.postJSON(ctx, "/wxa/msg_sec_check?access_token="+url.QueryEscape(token), body, &out); err != nil {
			return "", err
		}
		switch out.ErrCode {
		case 0:
			return out.Result.Suggest, nil
		case 40001, 42001, 41001:
			// Expired or replaced elsewhere: fetch a new token and try once more.
			stale = token
			continue
		default:
			return "", fmt.Errorf("msg_sec_check: %d %s", out.ErrCode, out.ErrMsg)
		}
	}
	return "", errTokenRefused
}
