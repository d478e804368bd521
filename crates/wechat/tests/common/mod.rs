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
