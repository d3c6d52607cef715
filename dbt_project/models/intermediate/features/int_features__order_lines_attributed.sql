-- Every staged order line with the customer it belongs to (through the identity graph: the
-- buyer's contact record first, else the order's e-mail) and its amount in the reporting
-- currency. Unattributed lines stay here with customer_id null and a reason, so the coverage
-- mart can count them.
-- In a micro-batch (incremental) only its rows are attributed: the identifiers orders use
-- (contact records, e-mails) only change with contact records, which micro-batches do not resolve.
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') -%}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key=microbatch_row_key(),
) }}
with

lines as (
    select * from {{ ref('stg_shop__order_lines') }}
    {%- if is_incremental() %}
    where {{ microbatch_new_rows(batch_loads, 'orders') }}
    {%- endif %}
),

identifiers as (
    select * from {{ ref('int_identity__identifier_customers') }}
),

fx as (
    select currency_code, rate
    from {{ ref('fx_rates_to_reporting_currency') }}
    where reporting_currency = '{{ var("reporting_currency", "EUR") }}'
),

attributed as (
    select
        lines.source_system,
        lines.load_id,
        lines.source_file,
        lines.record_number,
        lines.order_id,
        lines.line_number,
        lines.ordered_at_utc,
        lines.amount,
        lines.currency,
        lines.amount * fx.rate as amount_reporting,
        lines.quantity,
        lines.category,
        lines.channel,
        coalesce(by_ref.customer_id, by_email.customer_id) as customer_id,
        case
            when by_ref.customer_id is not null then 'contact_ref'
            when by_email.customer_id is not null then 'email'
        end as attributed_by,
        case
            when by_ref.customer_id is not null or by_email.customer_id is not null then null
            when lines.customer_ref is null and lines.email is null then 'no customer_ref or email'
            else 'customer_ref/email not in identity graph'
        end as unattributed_reason,
        fx.rate is null as is_missing_fx_rate
    from lines
    left join identifiers as by_ref
        on by_ref.identifier_type = 'contact_ref'
        and by_ref.identifier_value = lines.customer_system || ':' || lines.customer_ref
    left join identifiers as by_email
        on by_email.identifier_type = 'email'
        and by_email.identifier_value = lower(trim(lines.email))
    left join fx
        on fx.currency_code = lines.currency
)

select * from attributed
