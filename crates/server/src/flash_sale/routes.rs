use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{
    AdminOrderView, OrderInput, OrderView, ProductInput, ProductView, SaleDetail, SaleInput,
    SaleList, SaleStats, SaleView,
};
use super::{catalogue, orders, placing, reconcile};
use crate::auth::extract::{Admin, CurrentUser, RequireRole};
use crate::console::audit::AuditNote;
use crate::error::{AppError, AppResult};
use crate::http::client_ip::ClientIp;
use crate::http::extract::{parse_json, validate};
use crate::http::pagination::{Page, PageQuery};
use crate::http::{ApiJson, Envelope, Id, ValidJson, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::payments::{PayParams, PaymentView, RefundInput, RefundView};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sales))
        .routes(routes!(get_sale))
        .routes(routes!(place_order))
        .routes(routes!(my_orders))
        .routes(routes!(my_order))
        .routes(routes!(cancel_order))
        .routes(routes!(pay_order))
        .routes(routes!(admin_list_products, admin_create_product))
        .routes(routes!(
            admin_get_product,
            admin_update_product,
            admin_delete_product
        ))
        .routes(routes!(admin_list_sales, admin_create_sale))
        .routes(routes!(
            admin_get_sale,
            admin_update_sale,
            admin_delete_sale
        ))
        .routes(routes!(admin_sale_stats))
        .routes(routes!(admin_reconcile_sale))
        .routes(routes!(admin_mark_paid))
        .routes(routes!(admin_sale_orders))
        .routes(routes!(admin_refund_order))
        .routes(routes!(admin_order_payment))
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn idempotency_key(headers: &HeaderMap) -> AppResult<Option<String>> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            AppError::validation("Idempotency-Key", "must be 1-64 printable ASCII characters")
        })?;
    Ok(Some(key.to_string()))
}

/// Flash sales that are enabled and not over, newest first, with the server's clock.
#[utoipa::path(get, path = "/api/v1/flash-sales", tag = "flash-sale", params(PageQuery),
    responses((status = 200, description = "A page of sales and `server_time`", body = Envelope<SaleList>),
              (status = 400, description = "Bad limit or cursor", body = ErrorEnvelope)))]
pub async fn list_sales(
    State(state): State<AppState>,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<SaleList>> {
    catalogue::list_sales(&state, &page, true)
        .await
        .map(ApiJson::ok)
}

/// One sale with its product, stock left, phase (upcoming, active, sold_out, ended) and the
/// server's clock, so a client counts down against the server and not its own clock.
#[utoipa::path(get, path = "/api/v1/flash-sales/{id}", tag = "flash-sale",
    params(("id" = i64, Path, description = "Sale id")),
    responses((status = 200, description = "The sale", body = Envelope<SaleDetail>),
              (status = 400, description = "The id is not a number", body = ErrorEnvelope),
              (status = 404, description = "No such (enabled) sale", body = ErrorEnvelope)))]
pub async fn get_sale(State(state): State<AppState>, Id(id): Id) -> AppResult<ApiJson<SaleDetail>> {
    catalogue::public_sale(&state, id).await.map(ApiJson::ok)
}

/// Buy. The body is optional (`{"quantity": n}`, default 1). Send an `Idempotency-Key` header
/// (1-64 printable ASCII) to make retries safe: a retry with the same key answers 200 with the
/// order the first request made (header `Idempotent-Replayed: true`), never a second order.
#[utoipa::path(post, path = "/api/v1/flash-sales/{id}/orders", tag = "flash-sale", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first order")),
    request_body(content = OrderInput, description = "Optional"),
    responses((status = 201, description = "The order (created; pay before `expires_at`)", body = Envelope<OrderView>),
              (status = 200, description = "A retry: the order the same Idempotency-Key made", body = Envelope<OrderView>),
              (status = 400, description = "Not started (40020), ended (40021), bad id (40000)", body = ErrorEnvelope),
              (status = 401, description = "No or bad token", body = ErrorEnvelope),
              (status = 404, description = "No such sale", body = ErrorEnvelope),
              (status = 409, description = "Sold out (40910), over the per-user limit (40911), key reused for another order (40913)", body = ErrorEnvelope),
              (status = 422, description = "Bad quantity or Idempotency-Key", body = ErrorEnvelope),
              (status = 429, description = "Rate limited (per user and per IP)", body = ErrorEnvelope),
              (status = 503, description = "Retry (50300): the sale's stock is being reloaded, or the order took longer than its reservation's lease and was not placed", body = ErrorEnvelope)))]
pub async fn place_order(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Id(id): Id,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let key = idempotency_key(&headers)?;
    let input: OrderInput = if body.iter().all(u8::is_ascii_whitespace) {
        OrderInput::default()
    } else {
        parse_json(&body)?
    };
    validate(&input)?;
    let placed = placing::place_order(&state, &user, id, &input, key.as_deref(), ip).await?;
    if placed.replayed {
        let mut response = ApiJson::ok(placed.order).into_response();
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        Ok(response)
    } else {
        Ok(ApiJson(StatusCode::CREATED, placed.order).into_response())
    }
}

/// The caller's flash-sale orders, newest first.
#[utoipa::path(get, path = "/api/v1/flash-sale-orders", tag = "flash-sale", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of orders", body = Envelope<Page<OrderView>>),
              (status = 400, description = "Bad limit or cursor", body = ErrorEnvelope)))]
pub async fn my_orders(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<OrderView>>> {
    orders::my_orders(&state, &user, &page)
        .await
        .map(ApiJson::ok)
}

/// One of the caller's orders.
#[utoipa::path(get, path = "/api/v1/flash-sale-orders/{id}", tag = "flash-sale", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "The order", body = Envelope<OrderView>),
              (status = 404, description = "No such order of the caller's", body = ErrorEnvelope)))]
pub async fn my_order(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<OrderView>> {
    orders::my_order(&state, &user, id).await.map(ApiJson::ok)
}

/// Cancel an unpaid order; its stock goes back to the sale at once.
#[utoipa::path(post, path = "/api/v1/flash-sale-orders/{id}/cancel", tag = "flash-sale", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "The cancelled order", body = Envelope<OrderView>),
              (status = 404, description = "No such order of the caller's", body = ErrorEnvelope),
              (status = 409, description = "Not cancellable: paid, expired or cancelled (40912)", body = ErrorEnvelope)))]
pub async fn cancel_order(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<OrderView>> {
    orders::cancel_order(&state, &user, id)
        .await
        .map(ApiJson::ok)
}

/// Products, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/products", tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of products", body = Envelope<Page<ProductView>>),
              (status = 403, description = "Needs the admin role", body = ErrorEnvelope)))]
pub async fn admin_list_products(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<ProductView>>> {
    catalogue::list_products(&state, &page)
        .await
        .map(ApiJson::ok)
}

/// Create a product with its SKUs, price and images (admins).
#[utoipa::path(post, path = "/api/v1/admin/products", tag = "admin", security(("bearer" = [])), request_body = ProductInput,
    responses((status = 201, description = "The product", body = Envelope<ProductView>),
              (status = 422, description = "A field is invalid", body = ErrorEnvelope)))]
pub async fn admin_create_product(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidJson(body): ValidJson<ProductInput>,
) -> AppResult<ApiJson<ProductView>> {
    catalogue::create_product(&state, &body)
        .await
        .map(ApiJson::created)
}

/// One product (admins).
#[utoipa::path(get, path = "/api/v1/admin/products/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    responses((status = 200, description = "The product", body = Envelope<ProductView>),
              (status = 404, description = "No such product", body = ErrorEnvelope)))]
pub async fn admin_get_product(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<ProductView>> {
    catalogue::get_product(&state, id).await.map(ApiJson::ok)
}

/// Replace a product (admins).
#[utoipa::path(put, path = "/api/v1/admin/products/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = ProductInput,
    responses((status = 200, description = "The product", body = Envelope<ProductView>),
              (status = 404, description = "No such product", body = ErrorEnvelope),
              (status = 422, description = "A field is invalid", body = ErrorEnvelope)))]
pub async fn admin_update_product(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
    ValidJson(body): ValidJson<ProductInput>,
) -> AppResult<ApiJson<ProductView>> {
    catalogue::update_product(&state, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Delete a product that no sale uses (admins).
#[utoipa::path(delete, path = "/api/v1/admin/products/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    responses((status = 200, description = "Deleted", body = Envelope<Option<String>>),
              (status = 404, description = "No such product", body = ErrorEnvelope),
              (status = 409, description = "Sales use it", body = ErrorEnvelope)))]
pub async fn admin_delete_product(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    catalogue::delete_product(&state, id)
        .await
        .map(|()| ApiJson::ok(None))
}

/// Every flash sale, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/flash-sales", tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of sales", body = Envelope<SaleList>)))]
pub async fn admin_list_sales(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<SaleList>> {
    catalogue::list_sales(&state, &page, false)
        .await
        .map(ApiJson::ok)
}

/// Create a flash sale: product (and SKU), window, stock, sale price, per-user limit (admins).
#[utoipa::path(post, path = "/api/v1/admin/flash-sales", tag = "admin", security(("bearer" = [])), request_body = SaleInput,
    responses((status = 201, description = "The sale", body = Envelope<SaleView>),
              (status = 422, description = "A field is invalid", body = ErrorEnvelope)))]
pub async fn admin_create_sale(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidJson(body): ValidJson<SaleInput>,
) -> AppResult<ApiJson<SaleView>> {
    catalogue::create_sale(&state, &body)
        .await
        .map(ApiJson::created)
}

/// One sale, enabled or not (admins).
#[utoipa::path(get, path = "/api/v1/admin/flash-sales/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")),
    responses((status = 200, description = "The sale", body = Envelope<SaleView>),
              (status = 404, description = "No such sale", body = ErrorEnvelope)))]
pub async fn admin_get_sale(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<SaleView>> {
    catalogue::admin_get_sale(&state, id).await.map(ApiJson::ok)
}

/// Replace a sale (admins). A new `stock` adds the difference to what is left (409 if that
/// would go below zero); `enabled: false` closes it at once.
#[utoipa::path(put, path = "/api/v1/admin/flash-sales/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")), request_body = SaleInput,
    responses((status = 200, description = "The sale", body = Envelope<SaleView>),
              (status = 404, description = "No such sale", body = ErrorEnvelope),
              (status = 409, description = "Stock below what is sold", body = ErrorEnvelope)))]
pub async fn admin_update_sale(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
    ValidJson(body): ValidJson<SaleInput>,
) -> AppResult<ApiJson<SaleView>> {
    catalogue::update_sale(&state, id, &body)
        .await
        .map(ApiJson::ok)
}

/// Delete a sale without orders (admins; disable one that has orders).
#[utoipa::path(delete, path = "/api/v1/admin/flash-sales/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")),
    responses((status = 200, description = "Deleted", body = Envelope<Option<String>>),
              (status = 404, description = "No such sale", body = ErrorEnvelope),
              (status = 409, description = "It has orders", body = ErrorEnvelope)))]
pub async fn admin_delete_sale(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    catalogue::delete_sale(&state, id)
        .await
        .map(|()| ApiJson::ok(None))
}

/// A sale's books: orders and units by status, stock left, and whether they agree:
/// `books_consistent` (stock_total = stock_left + units held by created and paid orders) and,
/// with Redis, `redis_consistent` (Redis's stock is below the database's by at most the units of
/// reservations whose lease is live, `redis_leased_units`, and never above it). Reservations
/// whose lease lapsed and that no node reclaimed yet (`redis_lapsed_units`: a node died holding
/// them) make it false until they are reclaimed. `consistent` is both. The benchmark checks a
/// run with it.
#[utoipa::path(get, path = "/api/v1/admin/flash-sales/{id}/stats", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")),
    responses((status = 200, description = "The counts", body = Envelope<SaleStats>),
              (status = 404, description = "No such sale", body = ErrorEnvelope)))]
pub async fn admin_sale_stats(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<SaleStats>> {
    catalogue::sale_stats(&state, id).await.map(ApiJson::ok)
}

/// Rebuild the sale's Redis stock from the database now (admins; a no-op without Redis).
#[utoipa::path(post, path = "/api/v1/admin/flash-sales/{id}/reconcile", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id")),
    responses((status = 200, description = "Rebuilt; the counts after", body = Envelope<SaleStats>),
              (status = 404, description = "No such sale", body = ErrorEnvelope),
              (status = 503, description = "Redis is unreachable, or an order's transaction still holds a reservation: retry (50300)", body = ErrorEnvelope)))]
pub async fn admin_reconcile_sale(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<SaleStats>> {
    catalogue::sale_stats(&state, id).await?;
    reconcile::rebuild_redis(&state, id)
        .await
        .map_err(|err| AppError::unavailable("Redis", err))?;
    catalogue::sale_stats(&state, id).await.map(ApiJson::ok)
}

/// Mark an order paid without a payment: an admin override (e.g. paid offline), recorded with
/// the admin's id in the payment event log. Orders are normally paid by WeChat Pay.
#[utoipa::path(post, path = "/api/v1/admin/flash-sale-orders/{id}/mark-paid", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "The paid order", body = Envelope<OrderView>),
              (status = 404, description = "No such order", body = ErrorEnvelope),
              (status = 409, description = "Not unpaid (40912)", body = ErrorEnvelope)))]
pub async fn admin_mark_paid(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<OrderView>> {
    orders::mark_paid(&state, admin.id, id)
        .await
        .map(ApiJson::ok)
}

/// Pay for my unpaid order: answers the parameters to pass to `wx.requestPayment` as they are.
/// The order becomes paid only when WeChat Pay says so (its notification, or the server's own
/// query), never because the mini-program reports success; poll the order afterwards. Calling
/// again before paying gives fresh parameters for the same WeChat Pay order.
#[utoipa::path(post, path = "/api/v1/flash-sale-orders/{id}/pay", tag = "flash-sale", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "Parameters for wx.requestPayment", body = Envelope<PayParams>),
              (status = 400, description = "Bad id (40000); the account has no openid", body = ErrorEnvelope),
              (status = 401, description = "No or bad token", body = ErrorEnvelope),
              (status = 404, description = "No such order of the caller's", body = ErrorEnvelope),
              (status = 409, description = "Paid, cancelled or expired (40912)", body = ErrorEnvelope),
              (status = 502, description = "WeChat Pay unreachable or 5xx (50210, retry), or it refused (50211)", body = ErrorEnvelope),
              (status = 503, description = "Payments are not configured (50310)", body = ErrorEnvelope)))]
pub async fn pay_order(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<PayParams>> {
    orders::pay_order(&state, &user, id).await.map(ApiJson::ok)
}

/// Refund a paid order, fully (no amount) or partly, with a reason; audited with the admin's id.
/// The answer's `status` is `processing` until WeChat Pay confirms (`success`). No stock goes
/// back to the sale.
#[utoipa::path(post, path = "/api/v1/admin/flash-sale-orders/{id}/refund", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    request_body = RefundInput,
    responses((status = 200, description = "The refund", body = Envelope<RefundView>),
              (status = 404, description = "No such order, or it has no payment", body = ErrorEnvelope),
              (status = 409, description = "Not paid (40912); more than is left (40960)", body = ErrorEnvelope),
              (status = 422, description = "Bad amount or reason", body = ErrorEnvelope),
              (status = 502, description = "WeChat Pay refused (50211); unreachable answers 200 `processing` and retries", body = ErrorEnvelope)))]
pub async fn admin_refund_order(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Id(id): Id,
    audit: AuditNote,
    ValidJson(input): ValidJson<RefundInput>,
) -> AppResult<ApiJson<RefundView>> {
    // The reason is the payer's explanation too: the audit log shows it beside the admin.
    audit.set(Some(&input.reason));
    orders::refund_order(&state, admin.id, id, &input)
        .await
        .map(ApiJson::ok)
}

/// An order's payment: status, amounts, refunds and the event log (notifications, mismatches,
/// overrides, refunds).
#[utoipa::path(get, path = "/api/v1/admin/flash-sale-orders/{id}/payment", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "The payment", body = Envelope<PaymentView>),
              (status = 404, description = "The order has no payment", body = ErrorEnvelope)))]
pub async fn admin_order_payment(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<PaymentView>> {
    orders::order_payment(&state, id).await.map(ApiJson::ok)
}

/// A sale's orders, newest first, with their buyers (admins).
#[utoipa::path(get, path = "/api/v1/admin/flash-sales/{id}/orders", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sale id"), PageQuery),
    responses((status = 200, description = "A page of orders", body = Envelope<Page<AdminOrderView>>),
              (status = 400, description = "Bad cursor", body = ErrorEnvelope)))]
pub async fn admin_sale_orders(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<AdminOrderView>>> {
    orders::sale_orders(&state, id, &page)
        .await
        .map(ApiJson::ok)
}
