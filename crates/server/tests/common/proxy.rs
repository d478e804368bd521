//! A TCP proxy a test can cut and restore, to take a dependency (Redis, a database) away from a
//! running server and give it back; or that keeps what clients send, to show what went over the
//! wire. Cut, the dependency refuses at once (a server that is down); stalled, it never answers
//! (a host gone from the network, a blackholed route), which is what timeouts are for.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct TcpProxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Connections accepted while stalled, held open and never answered.
    held: Arc<Mutex<Option<Vec<TcpStream>>>>,
    cut: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
    sent: Option<Sent>,
}

/// What clients sent, one buffer per connection in the order they were accepted.
type Sent = Arc<Mutex<Vec<Vec<u8>>>>;

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> Self {
        Self::launch(target, None).await
    }

    /// A proxy that keeps every byte clients send (see [`TcpProxy::sent`]).
    pub async fn recording(target: SocketAddr) -> Self {
        Self::launch(target, Some(Sent::default())).await
    }

    /// What each connection's client has sent so far.
    pub fn sent(&self) -> Vec<Vec<u8>> {
        let sent = self.sent.as_ref().expect("a recording proxy");
        sent.lock().expect("proxy record").clone()
    }

    async fn launch(target: SocketAddr, sent: Option<Sent>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let up = Arc::new(AtomicBool::new(true));
        let held: Arc<Mutex<Option<Vec<TcpStream>>>> = Arc::default();
        let (cut, _) = watch::channel(0u64);
        let accept_up = up.clone();
        let accept_held = held.clone();
        let accept_cut = cut.clone();
        let accept_sent = sent.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if let Some(held) = accept_held.lock().expect("held").as_mut() {
                    held.push(inbound);
                    continue;
                }
                if !accept_up.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cut_rx = accept_cut.subscribe();
                let record = accept_sent.clone().map(|sent| {
                    let mut buffers = sent.lock().expect("proxy record");
                    buffers.push(Vec::new());
                    (sent.clone(), buffers.len() - 1)
                });
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    let relay = async {
                        match record {
                            None => {
                                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound)
                                    .await;
                            }
                            Some((sent, index)) => {
                                let (mut from_client, mut to_client) = inbound.split();
                                let (mut from_server, mut to_server) = outbound.split();
                                let upstream = async {
                                    let mut buf = vec![0u8; 16 * 1024];
                                    while let Ok(n @ 1..) = from_client.read(&mut buf).await {
                                        sent.lock().expect("proxy record")[index]
                                            .extend_from_slice(&buf[..n]);
                                        if to_server.write_all(&buf[..n]).await.is_err() {
                                            break;
                                        }
                                    }
                                    let _ = to_server.shutdown().await;
                                };
                                let downstream = async {
                                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                                    let _ = to_client.shutdown().await;
                                };
                                tokio::join!(upstream, downstream);
                            }
                        }
                    };
                    tokio::select! {
                        _ = relay => {}
                        _ = cut_rx.changed() => {}
                    }
                });
            }
        });
        Self {
            addr,
            up,
            held,
            cut,
            task,
            sent,
        }
    }

    /// Refuse new connections and sever the open ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    /// Sever the open connections and leave new ones hanging: accepted, never answered.
    pub fn stall(&self) {
        *self.held.lock().expect("held") = Some(Vec::new());
        self.cut.send_modify(|n| *n += 1);
    }

    /// Relay again (after [`TcpProxy::cut`] or [`TcpProxy::stall`]); connections held while
    /// stalled are closed.
    pub fn restore(&self) {
        self.held.lock().expect("held").take();
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A proxy in front of the server a `postgres://`, `mysql://` or `redis://` URL names, and the
/// same URL pointing at the proxy.
pub async fn in_front_of(url: &str) -> (TcpProxy, String) {
    let mut parsed = url::Url::parse(url).expect("a URL");
    let port = parsed.port().unwrap_or(match parsed.scheme() {
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        "redis" => 6379,
        other => panic!("no default port for {other}"),
    });
    let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
    let target = tokio::net::lookup_host((host.as_str(), port))
        .await
        .expect("resolve")
        .next()
        .expect("an address");
    let proxy = TcpProxy::start(target).await;
    parsed.set_host(Some("127.0.0.1")).expect("host");
    parsed.set_port(Some(proxy.addr.port())).expect("port");
    (proxy, parsed.to_string())
}
