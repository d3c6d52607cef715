-- Order lines that passed every row check, exact duplicates removed. An empty line_number
-- (single-line or unnumbered orders) is replaced by the line's position within its order in
-- its file (is_line_number_derived = true), so (order_id, line_number) identifies a line.
with

{{ deduplicated_ctes('base_shop__order_lines') }},

-- Only lines without a number are windowed (cheap on large order tables).
numbered as (
    select
        * exclude (line_number),
        false as is_line_number_derived,
        line_number
    from deduplicated
    where line_number is not null

    union all

    select
        * exclude (line_number),
        true as is_line_number_derived,
        cast(
            row_number() over (
                partition by source_system, order_id
                order by load_id, source_file, record_number
            ) as varchar
        ) as line_number
    from deduplicated
    where line_number is null
),

final as (
    select
        order_id,
        line_number,
        is_line_number_derived,
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
        source_system,
        load_id,
        source_file,
        record_number
    from numbered
)

select * from final
