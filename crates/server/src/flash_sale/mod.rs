//! Flash sales (秒杀): products, timed sales with stock and a per-user limit, orders that never
//! outnumber the stock on one node or many, and unpaid orders that expire and give their stock
//! back exactly once. See docs/flash-sale.md.
//!
//! - `catalogue`: products and sales, their views and books.
//! - `placing`: placing an order (the Redis gate, then one database transaction).
//! - `orders`: the order's life after that: paying, cancelling, closing once.
//! - `expiry`: unpaid orders expiring, and units going back to Redis.
//! - `reconcile`: the Redis stock brought back in line with the database.
//! - `announce`: what the sale says on its realtime channels.
//! - `stock`: the sold-out flags and the Redis stock gate.

mod announce;
mod catalogue;
mod expiry;
pub mod model;
mod orders;
mod placing;
mod reconcile;
mod repo;
mod routes;
pub mod settings;
pub mod stock;

use crate::store::jobs::Handler;

pub use expiry::{EXPIRE_JOB, GIVE_BACK_JOB};
pub use orders::{close_order, mark_paid, FLASH_SALE_ORDER, PAY_SUBJECT};
pub use reconcile::{reconcile_once, run_reconciler};
pub use routes::routes;
pub use stock::FlashSaleState;

/// The job handlers of this feature.
pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![
        (EXPIRE_JOB, expiry::expire_job as Handler),
        (GIVE_BACK_JOB, expiry::give_back_job as Handler),
        (announce::START_JOB, announce::start_job as Handler),
    ]
}
