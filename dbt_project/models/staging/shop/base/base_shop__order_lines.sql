-- Order lines from the shop sources, one row per raw record of a loaded file: trimmed, typed,
-- checked. Amounts are DECIMAL(18,2) in `currency` (the source's default when empty).
-- In a micro-batch (env SEGMART_MICROBATCH_LOAD_IDS) incremental: a load's rows never change, so only
-- the files of new loads are read (delete+insert on load_id; macros/microbatch.sql).
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key='load_id',
) }}
{%- set content_columns = raw_entity_columns('orders') %}

with

source as (
    {{ loaded_raw_rows('orders', microbatch_raw_loads('orders', batch_loads)) }}
),

currencies as (
    select * from {{ ref('currency_codes') }}
),

cleaned as (
    select
        {{ cleaned_raw_columns(content_columns) }}
    from source
),

typed as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        order_id,
        line_number,
        customer_ref,
        lower(customer_system) as customer_system,
        case when {{ is_email_like('email') }} then {{ normalize_email('email') }} end as email,
        ordered_at as ordered_at_raw,
        {{ parse_timestamp('ordered_at') }} as ordered_at_utc,
        amount as amount_raw,
        {{ parse_decimal('amount') }} as amount,
        coalesce({{ normalize_currency('currency') }}, _default_currency) as currency,
        quantity as quantity_raw,
        {{ parse_double('quantity') }} as quantity,
        category,
        lower(channel) as channel,
        extra_json,
        _timezone,
        _tz,
        _raw,
        {{ row_hash(['source_system', 'extra_json'] + content_columns) }} as _row_hash
    from cleaned
),

checked as (
    select
        *,
        {{ quarantine_reasons([
            required_check('order_id'),
            placeholder_check('order_id'),
            required_check('ordered_at', 'ordered_at_raw'),
            timestamp_check('ordered_at', 'ordered_at_raw', 'ordered_at_utc'),
            timezone_check([['ordered_at_raw', 'ordered_at_utc']]),
        ] + plausible_time_checks('ordered_at', 'ordered_at_utc') + [
            required_check('amount', 'amount_raw'),
            numeric_check('amount', 'amount_raw', 'amount'),
            range_check('amount', 'amount_raw'),
            negative_check('amount', 'amount'),
            negative_check('quantity', 'quantity'),
            ["currency is not null and currency not in (select currencies.currency_code from currencies)",
             "'unknown currency code: ' || currency"],
        ]) }} as _quarantine_reason
    from typed
),

final as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        order_id,
        line_number,
        customer_ref,
        customer_system,
        email,
        ordered_at_utc,
        amount,
        currency,
        quantity,
        category,
        channel,
        extra_json,
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
