//! Initial schema: CAPP's eight tables.

use capp_schema::{Action, ColumnType, Operations, downgrade, migration};

const MONEY: ColumnType = ColumnType::Numeric {
    precision: 20,
    scale: 8,
};
const LIQUIDITY: ColumnType = ColumnType::Numeric {
    precision: 24,
    scale: 8,
};
const RATE: ColumnType = ColumnType::Numeric {
    precision: 20,
    scale: 10,
};
const CURRENCY: ColumnType = ColumnType::Varchar(3);
const COUNTRY: ColumnType = ColumnType::Varchar(2);
const STATUS: ColumnType = ColumnType::Varchar(32);
const NOW: &str = "CURRENT_TIMESTAMP";

#[migration(rev = "0001", down_rev = None, message = "initial schema")]
fn upgrade(op: &mut Operations) {
    op.create_table("users", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("email", ColumnType::Varchar(255)).not_null();
        t.column("phone_number", ColumnType::Varchar(32));
        t.column("full_name", ColumnType::Varchar(255));
        t.column("country_code", COUNTRY);
        t.column("kyc_status", STATUS)
            .not_null()
            .default_str("pending");
        t.column("kyc_level", ColumnType::SmallInt)
            .not_null()
            .default_sql("0");
        t.column(
            "risk_score",
            ColumnType::Numeric {
                precision: 5,
                scale: 2,
            },
        );
        t.column("is_active", ColumnType::Boolean)
            .not_null()
            .default_sql("true");
        t.column("metadata", ColumnType::Jsonb);
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.column("updated_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.primary_key(["id"]);
        t.unique("uq_users_email", ["email"]);
        t.index("ix_users_kyc_status", ["kyc_status"]);
        t.check("ck_users_kyc_level", "kyc_level BETWEEN 0 AND 3");
    });
    op.create_table("payment_routes", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("from_currency", CURRENCY).not_null();
        t.column("to_currency", CURRENCY).not_null();
        t.column("from_country", COUNTRY);
        t.column("to_country", COUNTRY);
        t.column("provider", ColumnType::Varchar(64)).not_null();
        t.column(
            "fee_percentage",
            ColumnType::Numeric {
                precision: 6,
                scale: 4,
            },
        )
        .not_null()
        .default_sql("0");
        t.column("fixed_fee", MONEY).not_null().default_sql("0");
        t.column("min_amount", MONEY);
        t.column("max_amount", MONEY);
        t.column("estimated_minutes", ColumnType::Integer);
        t.column("is_active", ColumnType::Boolean)
            .not_null()
            .default_sql("true");
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.primary_key(["id"]);
        t.unique(
            "uq_payment_routes_corridor",
            ["from_currency", "to_currency", "provider"],
        );
    });
    op.create_table("payments", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("reference", ColumnType::Varchar(64)).not_null();
        t.column("sender_id", ColumnType::Uuid).not_null();
        t.column("recipient_id", ColumnType::Uuid);
        t.column("route_id", ColumnType::Uuid);
        t.column("amount", MONEY).not_null();
        t.column("from_currency", CURRENCY).not_null();
        t.column("to_currency", CURRENCY).not_null();
        t.column("exchange_rate", RATE);
        t.column("fee", MONEY).not_null().default_sql("0");
        t.column("status", STATUS).not_null().default_str("pending");
        t.column("failure_reason", ColumnType::Text);
        t.column("metadata", ColumnType::Jsonb);
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.column("updated_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.column("completed_at", ColumnType::TimestampTz);
        t.primary_key(["id"]);
        t.unique("uq_payments_reference", ["reference"]);
        t.foreign_key(
            "fk_payments_sender_id_users",
            ["sender_id"],
            "users",
            ["id"],
        )
        .on_delete(Action::Restrict);
        t.foreign_key(
            "fk_payments_recipient_id_users",
            ["recipient_id"],
            "users",
            ["id"],
        )
        .on_delete(Action::SetNull);
        t.foreign_key(
            "fk_payments_route_id_payment_routes",
            ["route_id"],
            "payment_routes",
            ["id"],
        )
        .on_delete(Action::SetNull);
        t.check("ck_payments_amount_positive", "amount > 0");
        t.index("ix_payments_sender_id", ["sender_id"]);
        t.index("ix_payments_status_created_at", ["status", "created_at"]);
    });
    op.create_table("liquidity_pools", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("base_currency", CURRENCY).not_null();
        t.column("quote_currency", CURRENCY).not_null();
        t.column("total_liquidity", LIQUIDITY)
            .not_null()
            .default_sql("0");
        t.column("available_liquidity", LIQUIDITY)
            .not_null()
            .default_sql("0");
        t.column("reserved_liquidity", LIQUIDITY)
            .not_null()
            .default_sql("0");
        t.column("min_balance", LIQUIDITY)
            .not_null()
            .default_sql("0");
        t.column("is_active", ColumnType::Boolean)
            .not_null()
            .default_sql("true");
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.column("updated_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.primary_key(["id"]);
        t.unique(
            "uq_liquidity_pools_pair",
            ["base_currency", "quote_currency"],
        );
        t.check(
            "ck_liquidity_pools_available_non_negative",
            "available_liquidity >= 0",
        );
    });
    op.create_table("liquidity_reservations", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("pool_id", ColumnType::Uuid).not_null();
        t.column("payment_id", ColumnType::Uuid).not_null();
        t.column("amount", LIQUIDITY).not_null();
        t.column("status", STATUS)
            .not_null()
            .default_str("reserved");
        t.column("expires_at", ColumnType::TimestampTz).not_null();
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.column("released_at", ColumnType::TimestampTz);
        t.primary_key(["id"]);
        t.foreign_key(
            "fk_liquidity_reservations_pool_id",
            ["pool_id"],
            "liquidity_pools",
            ["id"],
        )
        .on_delete(Action::Cascade);
        t.foreign_key(
            "fk_liquidity_reservations_payment_id",
            ["payment_id"],
            "payments",
            ["id"],
        )
        .on_delete(Action::Cascade);
        t.check("ck_liquidity_reservations_amount_positive", "amount > 0");
        t.index("ix_liquidity_reservations_pool_id", ["pool_id"]);
        t.index("ix_liquidity_reservations_payment_id", ["payment_id"]);
        t.index("ix_liquidity_reservations_active", ["expires_at"])
            .predicate("status = 'reserved'");
    });
    op.create_table("agent_activities", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("agent_id", ColumnType::Varchar(64)).not_null();
        t.column("agent_type", STATUS).not_null();
        t.column("payment_id", ColumnType::Uuid);
        t.column("action", ColumnType::Varchar(64)).not_null();
        t.column("status", STATUS).not_null();
        t.column("duration_ms", ColumnType::Integer);
        t.column(
            "confidence_score",
            ColumnType::Numeric {
                precision: 5,
                scale: 4,
            },
        );
        t.column("details", ColumnType::Jsonb);
        t.column("error_message", ColumnType::Text);
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.primary_key(["id"]);
        t.foreign_key(
            "fk_agent_activities_payment_id",
            ["payment_id"],
            "payments",
            ["id"],
        )
        .on_delete(Action::SetNull);
        t.index(
            "ix_agent_activities_agent_id_created_at",
            ["agent_id", "created_at"],
        );
        t.index("ix_agent_activities_payment_id", ["payment_id"]);
    });
    op.create_table("exchange_rates", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("from_currency", CURRENCY).not_null();
        t.column("to_currency", CURRENCY).not_null();
        t.column("rate", RATE).not_null();
        t.column("source", ColumnType::Varchar(64)).not_null();
        t.column("valid_from", ColumnType::TimestampTz).not_null();
        t.column("valid_until", ColumnType::TimestampTz);
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.primary_key(["id"]);
        t.check("ck_exchange_rates_rate_positive", "rate > 0");
        t.index(
            "ix_exchange_rates_pair_valid_from",
            ["from_currency", "to_currency", "valid_from"],
        );
    });
    op.create_table("compliance_records", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("user_id", ColumnType::Uuid).not_null();
        t.column("payment_id", ColumnType::Uuid);
        t.column("check_type", STATUS).not_null();
        t.column("status", STATUS).not_null();
        t.column("risk_level", ColumnType::Varchar(16));
        t.column("provider", ColumnType::Varchar(64));
        t.column("provider_reference", ColumnType::Varchar(128));
        t.column("details", ColumnType::Jsonb);
        t.column("reviewed_by", ColumnType::Varchar(255));
        t.column("reviewed_at", ColumnType::TimestampTz);
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql(NOW);
        t.primary_key(["id"]);
        t.foreign_key(
            "fk_compliance_records_user_id",
            ["user_id"],
            "users",
            ["id"],
        )
        .on_delete(Action::Restrict);
        t.foreign_key(
            "fk_compliance_records_payment_id",
            ["payment_id"],
            "payments",
            ["id"],
        )
        .on_delete(Action::SetNull);
        t.index("ix_compliance_records_user_id", ["user_id"]);
        t.index("ix_compliance_records_payment_id", ["payment_id"]);
        t.index(
            "ix_compliance_records_check_type_status",
            ["check_type", "status"],
        );
    });
}

#[downgrade(rev = "0001")]
fn downgrade(op: &mut Operations) {
    for table in [
        "compliance_records",
        "exchange_rates",
        "agent_activities",
        "liquidity_reservations",
        "liquidity_pools",
        "payments",
        "payment_routes",
        "users",
    ] {
        op.drop_table(table);
    }
}
