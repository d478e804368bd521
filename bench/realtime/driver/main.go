// The realtime benchmark's fan-out driver: subscriber processes that hold WebSockets and record
// each event's delivery latency, a publisher that keeps to its schedule, and a trivial echo
// server that measures the driver's own floor. bench/realtime/load.mjs starts and combines them
// (bench/realtime/README.md says what each figure is).
//
// Go with gorilla/websocket, built in GOPATH mode over Debian's packaged sources like the Go peer:
// a goroutine per socket costs a few microseconds per message, where the single Node process this
// replaces could not read 100,000 messages a second without its own queue becoming the latency.
//
//	driver subscribe --urls ws://a/p,ws://b/p --count 5000 --first 0 [--token T]
//	    Opens count sockets (socket i goes to urls[(first+i) % len(urls)]), each subscribed to
//	    `config`; prints {"ready":n}, then {"delivered":n} every 200 ms, and when its standard
//	    input closes, {"delivered":n,"histogram":{"<ms>":count,...}} and exits.
//	driver publish --url http://a --kind minibase|peer --rate 50 --duration 20 [--admin-token A]
//	    Publishes rate events a second for duration seconds, each on its own schedule (a slow
//	    answer does not delay the next), and prints {"published":n,"failures":n}.
//	driver echo --port 19000
//	    The floor: a WebSocket server that writes each published event straight to every socket
//	    (POST /publish), with no queue, no Redis and no second node.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Latencies in whole milliseconds (the servers stamp events in ms); the last bucket holds
// everything from a minute up.
const buckets = 60001

var (
	histogram [buckets]atomic.Uint64
	delivered atomic.Uint64
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: driver subscribe|publish|echo ... (see the top of main.go)")
		os.Exit(2)
	}
	mode, args := os.Args[1], os.Args[2:]
	switch mode {
	case "subscribe":
		subscribe(args)
	case "publish":
		publish(args)
	case "echo":
		echo(args)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func printJSON(v any) {
	line, _ := json.Marshal(v)
	fmt.Println(string(line))
}

var eventPrefix = []byte(`{"type":"event"`)

// The publish stamp of an event frame in Unix ms: the peers' data.sent_ms, or Minibase's `at`.
func stamp(frame []byte) (int64, bool) {
	if i := bytes.Index(frame, []byte(`"sent_ms":`)); i >= 0 {
		rest := frame[i+len(`"sent_ms":`):]
		end := bytes.IndexAny(rest, ",}")
		if end < 0 {
			return 0, false
		}
		ms, err := strconv.ParseInt(string(rest[:end]), 10, 64)
		return ms, err == nil
	}
	if i := bytes.LastIndex(frame, []byte(`"at":"`)); i >= 0 {
		rest := frame[i+len(`"at":"`):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return 0, false
		}
		at, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
		return at.UnixMilli(), err == nil
	}
	return 0, false
}

func record(frame []byte) {
	if !bytes.HasPrefix(frame, eventPrefix) {
		return
	}
	sent, ok := stamp(frame)
	if !ok {
		return
	}
	ms := time.Now().UnixMilli() - sent
	if ms < 0 {
		ms = 0
	}
	if ms >= buckets {
		ms = buckets - 1
	}
	histogram[ms].Add(1)
	delivered.Add(1)
}

// Open one socket subscribed to `config`; returns once the server acknowledged it (Minibase)
// or the socket is open (peers send everything to everyone and never answer).
func open(url, token string) (*websocket.Conn, error) {
	header := http.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 256}
	conn, _, err := dialer.Dial(url, header)
	if err != nil {
		return nil, err
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","channel":"config"}`)); err != nil {
		conn.Close()
		return nil, err
	}
	if token == "" {
		return conn, nil
	}
	for {
		_, frame, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return nil, err
		}
		if bytes.Contains(frame, []byte(`"type":"subscribed"`)) {
			return conn, nil
		}
		if bytes.Contains(frame, []byte(`"type":"error"`)) {
			conn.Close()
			return nil, fmt.Errorf("subscription refused: %s", frame)
		}
	}
}

func subscribe(args []string) {
	flags := flag.NewFlagSet("subscribe", flag.ExitOnError)
	urls := flags.String("urls", "", "WebSocket URLs, comma-separated")
	count := flags.Int("count", 1000, "sockets to open")
	first := flags.Int("first", 0, "global index of the first socket (spreads sockets over urls)")
	token := flags.String("token", "", "bearer token (Minibase)")
	flags.Parse(args)
	targets := strings.Split(*urls, ",")

	conns := make([]*websocket.Conn, *count)
	var wg sync.WaitGroup
	var openErr atomic.Value
	gate := make(chan struct{}, 100) // handshakes in flight
	for i := range conns {
		wg.Add(1)
		gate <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-gate }()
			conn, err := open(targets[(*first+i)%len(targets)], *token)
			if err != nil {
				openErr.Store(err)
				return
			}
			conns[i] = conn
		}(i)
	}
	wg.Wait()
	if err, _ := openErr.Load().(error); err != nil {
		fail(err)
	}
	for _, conn := range conns {
		go func(conn *websocket.Conn) {
			for {
				_, frame, err := conn.ReadMessage()
				if err != nil {
					return
				}
				record(frame)
			}
		}(conn)
	}
	printJSON(map[string]int{"ready": len(conns)})

	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	ticker := time.NewTicker(200 * time.Millisecond)
	for running := true; running; {
		select {
		case <-ticker.C:
			printJSON(map[string]uint64{"delivered": delivered.Load()})
		case <-done:
			running = false
		}
	}
	counts := map[string]uint64{}
	for ms := range histogram {
		if n := histogram[ms].Load(); n > 0 {
			counts[strconv.Itoa(ms)] = n
		}
	}
	printJSON(map[string]any{"delivered": delivered.Load(), "histogram": counts})
	os.Exit(0)
}

func publish(args []string) {
	flags := flag.NewFlagSet("publish", flag.ExitOnError)
	url := flags.String("url", "", "the node to publish through (http://host:port)")
	kind := flags.String("kind", "peer", "minibase or peer")
	rate := flags.Float64("rate", 50, "events a second")
	duration := flags.Float64("duration", 20, "seconds")
	admin := flags.String("admin-token", "", "admin bearer token (Minibase)")
	flags.Parse(args)

	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256},
	}
	one := func(n int) bool {
		var req *http.Request
		if *kind == "minibase" {
			body := fmt.Sprintf(`{"value":{"n":%d},"public":true}`, n)
			req, _ = http.NewRequest(http.MethodPut, *url+"/api/v1/admin/config/bench.tick", strings.NewReader(body))
			req.Header.Set("content-type", "application/json")
			req.Header.Set("authorization", "Bearer "+*admin)
		} else {
			req, _ = http.NewRequest(http.MethodPost, *url+"/publish", nil)
		}
		res, err := client.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode < 300
	}
	var published, failures atomic.Int64
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / *rate)
	total := int(*rate * *duration)
	started := time.Now()
	for n := 0; n < total; n++ {
		time.Sleep(time.Until(started.Add(time.Duration(n) * interval)))
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			if one(n) {
				published.Add(1)
			} else {
				failures.Add(1)
			}
		}(n)
	}
	wg.Wait()
	printJSON(map[string]any{
		"published": published.Load(),
		"failures":  failures.Load(),
		"secs":      time.Since(started).Seconds(),
	})
}

func echo(args []string) {
	flags := flag.NewFlagSet("echo", flag.ExitOnError)
	port := flags.String("port", "19000", "port on 127.0.0.1")
	flags.Parse(args)
	var mu sync.Mutex
	clients := map[*websocket.Conn]struct{}{}
	upgrader := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		clients[conn] = struct{}{}
		mu.Unlock()
		go func() {
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					break
				}
			}
			mu.Lock()
			delete(clients, conn)
			mu.Unlock()
			conn.Close()
		}()
	})
	http.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		frame := []byte(fmt.Sprintf(`{"type":"event","channel":"config","event":"bench","data":{"sent_ms":%d}}`,
			time.Now().UnixMilli()))
		mu.Lock()
		for conn := range clients {
			conn.WriteMessage(websocket.TextMessage, frame)
		}
		mu.Unlock()
		w.Write([]byte(`{"ok":true}`))
	})
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "listening on http://127.0.0.1:%s\n", *port)
	w.Flush()
	fail(http.ListenAndServe("127.0.0.1:"+*port, nil))
}
