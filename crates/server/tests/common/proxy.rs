//! A TCP proxy a test can cut and restore, to take a dependency (Redis, a database) away from a
//! running server and give it back; or that keeps what clients send, to show what went over the
//! wire.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct TcpProxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
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
        let (cut, _) = watch::channel(0u64);
        let accept_up = up.clone();
        let accept_cut = cut.clone();
        let accept_sent = sent.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
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

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
