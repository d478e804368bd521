//! Shared set-up: a fresh mock on an ephemeral loopback port per test.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use minibase_wechat::mock::{MockConfig, MockWechat};
use minibase_wechat::{TokenStore, WechatClient, WechatConfig};

pub struct Harness {
    pub mock: MockWechat,
    pub addr: SocketAddr,
}

impl Harness {
    pub async fn start(config: MockConfig) -> Self {
        let mock = MockWechat::new(config);
        let (addr, _task) = mock.spawn("127.0.0.1:0").await.unwrap();
        Self { mock, addr }
    }

    pub async fn default() -> Self {
        Self::start(MockConfig::default()).await
    }

    pub fn config(&self) -> WechatConfig {
        self.mock.client_config(self.addr)
    }

    pub fn client(&self) -> WechatClient {
        WechatClient::new(self.config()).unwrap()
    }

    pub fn client_with_store(&self, store: Arc<dyn TokenStore>) -> WechatClient {
        WechatClient::with_token_store(self.config(), store).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// A TCP forwarder in front of the mock that counts the connections a client opens and how
/// many of them are still open.
pub struct ConnectionCounter {
    pub addr: SocketAddr,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    open: Arc<std::sync::atomic::AtomicUsize>,
}

impl ConnectionCounter {
    pub async fn start(target: SocketAddr) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (accepted_in, open_in) = (accepted.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                accepted_in.fetch_add(1, Ordering::SeqCst);
                open_in.fetch_add(1, Ordering::SeqCst);
                let open = open_in.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            addr,
            accepted,
            open,
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Connections the client has not closed yet.
    pub fn open(&self) -> usize {
        self.open.load(std::sync::atomic::Ordering::SeqCst)
    }
}
