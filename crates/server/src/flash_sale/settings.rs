//! The flash sale's settings: how long an unpaid order holds its stock, the ordering rate
//! limits and how often Redis stock is repaired.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::values::{positive, ConfigError, RateLimit};

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawFlashSaleSettings {
    pub flash_sale_order_ttl_secs: u64,
    pub flash_sale_order_rate_per_user: u32,
    pub flash_sale_order_rate_per_ip: u32,
    pub flash_sale_order_rate_window_secs: u64,
    pub flash_sale_reconcile_interval_secs: u64,
}

impl Default for RawFlashSaleSettings {
    fn default() -> Self {
        Self {
            flash_sale_order_ttl_secs: 900,
            flash_sale_order_rate_per_user: 5,
            flash_sale_order_rate_per_ip: 200,
            flash_sale_order_rate_window_secs: 1,
            flash_sale_reconcile_interval_secs: 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FlashSaleConfig {
    /// Unpaid orders expire (and give their stock back) this long after they were placed.
    pub order_ttl: Duration,
    pub per_user: RateLimit,
    pub per_ip: RateLimit,
    /// How often a node repairs Redis stock from the database (Redis only).
    pub reconcile_interval: Duration,
}

impl RawFlashSaleSettings {
    pub fn validate(&self) -> Result<FlashSaleConfig, ConfigError> {
        positive("flash_sale_order_ttl_secs", self.flash_sale_order_ttl_secs)?;
        positive(
            "flash_sale_order_rate_window_secs",
            self.flash_sale_order_rate_window_secs,
        )?;
        positive(
            "flash_sale_reconcile_interval_secs",
            self.flash_sale_reconcile_interval_secs,
        )?;
        let window = Duration::from_secs(self.flash_sale_order_rate_window_secs);
        Ok(FlashSaleConfig {
            order_ttl: Duration::from_secs(self.flash_sale_order_ttl_secs),
            per_user: RateLimit {
                max: self.flash_sale_order_rate_per_user,
                window,
            },
            per_ip: RateLimit {
                max: self.flash_sale_order_rate_per_ip,
                window,
            },
            reconcile_interval: Duration::from_secs(self.flash_sale_reconcile_interval_secs),
        })
    }
}
