// The Go peer of the realtime benchmark: gorilla/websocket doing the same fan-out as Minibase,
// across nodes through Redis pub/sub (redigo). Every client gets every event; there is no
// authentication or replay. Each connection has a writer goroutine with a bounded queue (a
// client that lets it fill is dropped), as gorilla's chat example does.
//
//	PORT=18300 REDIS_ADDR=127.0.0.1:6390 ./realtime-peer
//
// Built from Debian's packaged sources (golang-github-gorilla-websocket-dev,
// golang-github-gomodule-redigo-dev) in GOPATH mode, as the Go module proxy may be out of reach:
// see bench/realtime/run.
//
//	POST /publish   publishes {"type":"event","channel":"config","event":"bench",
//	                "data":{"sent_ms":<now>}} through Redis to every node's clients
//	GET  /ws        the WebSocket
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/gorilla/websocket"
)

const channel = "bench:events"

type hub struct {
	mu      sync.RWMutex
	clients map[*client]struct{}
}

type client struct {
	conn *websocket.Conn
	send chan []byte
}

func (h *hub) broadcast(message []byte) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		select {
		case c.send <- message:
		default:
			// Too slow: drop it, as Minibase does.
			go c.conn.Close()
		}
	}
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "18300"
	}
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	pool := &redis.Pool{
		MaxIdle: 16,
		Dial:    func() (redis.Conn, error) { return redis.Dial("tcp", addr) },
	}
	h := &hub{clients: map[*client]struct{}{}}
	subConn, err := redis.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	sub := redis.PubSubConn{Conn: subConn}
	if err := sub.Subscribe(channel); err != nil {
		log.Fatal(err)
	}
	go func() {
		for {
			switch v := sub.Receive().(type) {
			case redis.Message:
				h.broadcast(v.Data)
			case error:
				log.Fatal(v)
			}
		}
	}()
	upgrader := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &client{conn: conn, send: make(chan []byte, 256)}
		h.mu.Lock()
		h.clients[c] = struct{}{}
		h.mu.Unlock()
		go func() {
			for message := range c.send {
				if conn.WriteMessage(websocket.TextMessage, message) != nil {
					break
				}
			}
		}()
		go func() {
			defer func() {
				h.mu.Lock()
				delete(h.clients, c)
				h.mu.Unlock()
				close(c.send)
				conn.Close()
			}()
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					return
				}
			}
		}()
	})
	http.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		event := fmt.Sprintf(`{"type":"event","channel":"config","event":"bench","data":{"sent_ms":%d}}`,
			time.Now().UnixMilli())
		conn := pool.Get()
		_, err := conn.Do("PUBLISH", channel, event)
		conn.Close()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("content-type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	})
	fmt.Printf("listening on http://127.0.0.1:%s\n", port)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
