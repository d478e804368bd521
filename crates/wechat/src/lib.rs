pub mod crypto;
pub mod error;

pub use crypto::{
    constant_time_eq, decrypt_open_data, login_state_signature, push_signature,
    verify_login_state_signature, verify_push_signature, verify_signature,
};
pub use error::WechatError;
