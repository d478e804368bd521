//! Flash sales (秒杀): products, timed sales with stock and a per-user limit, orders that never
//! outnumber the stock on one node or many, and unpaid orders that expire and give their stock
//! back exactly once. See docs/flash-sale.md.

pub mod model;
pub mod repo;
mod routes;
pub mod service;
pub mod settings;
pub mod stock;

pub use routes::routes;
pub use service::{jobs, run_reconciler, FlashSaleState};
