//! CAPP's eight tables as Rust structs: the rows the application reads and writes, and the
//! schema the history must build (a test checks the folded head equals these models).

use capp_schema::{Models, TableModel};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

/// A user account with its KYC state.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "users",
    check(name = "ck_users_kyc_level", expr = "kyc_level BETWEEN 0 AND 3")
)]
pub struct User {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(max_length = 255, unique = "uq_users_email")]
    pub email: String,
    #[column(max_length = 32)]
    pub phone_number: Option<String>,
    #[column(max_length = 255)]
    pub full_name: Option<String>,
    #[column(max_length = 2)]
    pub country_code: Option<String>,
    #[column(
        max_length = 32,
        default_str = "pending",
        index = "ix_users_kyc_status"
    )]
    pub kyc_status: String,
    #[column(default = "0")]
    pub kyc_level: i16,
    #[column(precision = 5, scale = 2)]
    pub risk_score: Option<Decimal>,
    #[column(default = "true")]
    pub is_active: bool,
    pub metadata: Option<Value>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub updated_at: DateTime<Utc>,
    pub kyc_verified_at: Option<DateTime<Utc>>,
    #[column(max_length = 50)]
    pub status: Option<String>,
}

/// A payment corridor offered by a provider.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "payment_routes",
    unique(
        name = "uq_payment_routes_corridor",
        columns(from_currency, to_currency, provider)
    )
)]
pub struct PaymentRoute {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(max_length = 3)]
    pub from_currency: String,
    #[column(max_length = 3)]
    pub to_currency: String,
    #[column(max_length = 2)]
    pub from_country: Option<String>,
    #[column(max_length = 2)]
    pub to_country: Option<String>,
    #[column(max_length = 64)]
    pub provider: String,
    #[column(precision = 6, scale = 4, default = "0")]
    pub fee_percentage: Decimal,
    #[column(precision = 20, scale = 8, default = "0")]
    pub fixed_fee: Decimal,
    #[column(precision = 20, scale = 8)]
    pub min_amount: Option<Decimal>,
    #[column(precision = 20, scale = 8)]
    pub max_amount: Option<Decimal>,
    pub estimated_minutes: Option<i32>,
    #[column(default = "true")]
    pub is_active: bool,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
}

/// A payment transaction.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "payments",
    check(name = "ck_payments_amount_positive", expr = "amount > 0"),
    index(name = "ix_payments_status_created_at", columns(status, created_at))
)]
pub struct Payment {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(max_length = 64, unique = "uq_payments_reference")]
    pub reference: String,
    #[column(
        references = "users.id",
        fk_name = "fk_payments_sender_id_users",
        on_delete = "restrict",
        index = "ix_payments_sender_id"
    )]
    pub sender_id: Uuid,
    #[column(
        references = "users.id",
        fk_name = "fk_payments_recipient_id_users",
        on_delete = "set null"
    )]
    pub recipient_id: Option<Uuid>,
    #[column(
        references = "payment_routes.id",
        fk_name = "fk_payments_route_id_payment_routes",
        on_delete = "set null"
    )]
    pub route_id: Option<Uuid>,
    #[column(precision = 20, scale = 8)]
    pub amount: Decimal,
    #[column(max_length = 3)]
    pub from_currency: String,
    #[column(max_length = 3)]
    pub to_currency: String,
    #[column(precision = 20, scale = 10)]
    pub exchange_rate: Option<Decimal>,
    #[column(precision = 20, scale = 8, default = "0")]
    pub fee: Decimal,
    #[column(max_length = 32, default_str = "pending")]
    pub status: String,
    pub failure_reason: Option<String>,
    pub metadata: Option<Value>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// Liquidity held for a currency pair.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "liquidity_pools",
    unique(
        name = "uq_liquidity_pools_pair",
        columns(base_currency, quote_currency)
    ),
    check(
        name = "ck_liquidity_pools_available_non_negative",
        expr = "available_liquidity >= 0"
    )
)]
pub struct LiquidityPool {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(max_length = 3)]
    pub base_currency: String,
    #[column(max_length = 3)]
    pub quote_currency: String,
    #[column(precision = 24, scale = 8, default = "0")]
    pub total_liquidity: Decimal,
    #[column(precision = 24, scale = 8, default = "0")]
    pub available_liquidity: Decimal,
    #[column(precision = 24, scale = 8, default = "0")]
    pub reserved_liquidity: Decimal,
    #[column(precision = 24, scale = 8, default = "0")]
    pub min_balance: Decimal,
    #[column(default = "true")]
    pub is_active: bool,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub updated_at: DateTime<Utc>,
}

/// Liquidity reserved for a pending payment.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "liquidity_reservations",
    check(
        name = "ck_liquidity_reservations_amount_positive",
        expr = "amount > 0"
    ),
    index(
        name = "ix_liquidity_reservations_active",
        columns(expires_at),
        predicate = "status = 'reserved'"
    )
)]
pub struct LiquidityReservation {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(
        references = "liquidity_pools.id",
        fk_name = "fk_liquidity_reservations_pool_id",
        on_delete = "cascade",
        index = "ix_liquidity_reservations_pool_id"
    )]
    pub pool_id: Uuid,
    #[column(
        references = "payments.id",
        fk_name = "fk_liquidity_reservations_payment_id",
        on_delete = "cascade",
        index = "ix_liquidity_reservations_payment_id"
    )]
    pub payment_id: Uuid,
    #[column(precision = 24, scale = 8)]
    pub amount: Decimal,
    #[column(max_length = 32, default_str = "reserved")]
    pub status: String,
    pub expires_at: DateTime<Utc>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
}

/// What an agent did, for logs and performance metrics.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "agent_activities",
    index(
        name = "ix_agent_activities_agent_id_created_at",
        columns(agent_id, created_at)
    )
)]
pub struct AgentActivity {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(max_length = 64)]
    pub agent_id: String,
    #[column(max_length = 32)]
    pub agent_type: String,
    #[column(
        references = "payments.id",
        fk_name = "fk_agent_activities_payment_id",
        on_delete = "set null",
        index = "ix_agent_activities_payment_id"
    )]
    pub payment_id: Option<Uuid>,
    #[column(max_length = 64)]
    pub action: String,
    #[column(max_length = 32)]
    pub status: String,
    pub duration_ms: Option<i32>,
    #[column(precision = 5, scale = 4)]
    pub confidence_score: Option<Decimal>,
    pub details: Option<Value>,
    pub error_message: Option<String>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
}

/// An exchange rate over a validity period.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "exchange_rates",
    check(name = "ck_exchange_rates_rate_positive", expr = "rate > 0"),
    index(
        name = "ix_exchange_rates_pair_valid_from",
        columns(from_currency, to_currency, valid_from)
    )
)]
pub struct ExchangeRate {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(max_length = 3)]
    pub from_currency: String,
    #[column(max_length = 3)]
    pub to_currency: String,
    #[column(precision = 20, scale = 10)]
    pub rate: Decimal,
    #[column(max_length = 64)]
    pub source: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
}

/// An AML/KYC check and its review.
#[derive(Debug, Clone, TableModel)]
#[table(
    name = "compliance_records",
    index(
        name = "ix_compliance_records_check_type_status",
        columns(check_type, status)
    )
)]
pub struct ComplianceRecord {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(
        references = "users.id",
        fk_name = "fk_compliance_records_user_id",
        on_delete = "restrict",
        index = "ix_compliance_records_user_id"
    )]
    pub user_id: Uuid,
    #[column(
        references = "payments.id",
        fk_name = "fk_compliance_records_payment_id",
        on_delete = "set null",
        index = "ix_compliance_records_payment_id"
    )]
    pub payment_id: Option<Uuid>,
    #[column(max_length = 32)]
    pub check_type: String,
    #[column(max_length = 32)]
    pub status: String,
    #[column(max_length = 16)]
    pub risk_level: Option<String>,
    #[column(max_length = 64)]
    pub provider: Option<String>,
    #[column(max_length = 128)]
    pub provider_reference: Option<String>,
    pub details: Option<Value>,
    #[column(max_length = 255)]
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    #[column(default = "CURRENT_TIMESTAMP")]
    pub created_at: DateTime<Utc>,
}

/// Every model of CAPP's chain, wherever it is declared (`#[derive(TableModel)]` registers it):
/// the schema the history must build, for `capp-migrate check` and `revision --autogenerate`.
pub fn all() -> Models {
    Models::of::<crate::Migrations>()
}
