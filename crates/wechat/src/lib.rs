#![warn(missing_docs)]

pub mod client;
pub mod crypto;
pub mod error;
pub mod mock;
pub mod token;

pub use client::{
    ContentCheck, MediaType, PhoneInfo, Session, SubscribeMessage, Suggest, WechatClient,
    WechatConfig, WxaCodeRequest, DEFAULT_API_BASE,
};
pub use crypto::{
    constant_time_eq, decrypt_open_data, login_state_signature, push_signature,
    verify_login_state_signature, verify_push_signature, verify_signature,
};
pub use error::WechatError;
pub use token::{
    BoxFuture, CachedToken, MemoryTokenStore, RedisTokenStore, StoreError, TokenStore,
};
