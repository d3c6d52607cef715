-- Every staged known-segment row with the customer it names (through the identity graph: the
-- contact reference first, else the e-mail) and whether it can teach the classifier. A row that
-- names nobody, or a customer given two different segments by one source, is kept with its reason
-- (known_segment_labels counts them); only 'usable' rows, one per customer and source, are trained on.
with

labels as (
    select * from {{ ref('stg_segments__known_segments') }}
),

identifiers as (
    select * from {{ ref('int_identity__identifier_customers') }}
),

resolved as (
    select
        labels.source_system,
        labels.record_id,
        labels.known_segment,
        coalesce(by_ref.customer_id, by_email.customer_id) as customer_id,
        case
            when by_ref.customer_id is not null then 'contact_ref'
            when by_email.customer_id is not null then 'email'
        end as resolved_by
    from labels
    left join identifiers as by_ref
        on by_ref.identifier_type = 'contact_ref'
        and by_ref.identifier_value = labels.customer_system || ':' || labels.customer_ref
    left join identifiers as by_email
        on by_email.identifier_type = 'email'
        and by_email.identifier_value = labels.email
),

per_customer as (
    select
        *,
        count(distinct known_segment) over (partition by source_system, customer_id) as n_segments_given,
        row_number() over (partition by source_system, customer_id order by record_id) as nth_row
    from resolved
),

final as (
    select
        source_system,
        record_id,
        known_segment,
        customer_id,
        resolved_by,
        case
            when customer_id is null then 'unresolved'
            when n_segments_given > 1 then 'conflicting'
            when nth_row > 1 then 'repeated'
            else 'usable'
        end as label_status,
        case
            when customer_id is null then 'customer_ref/email not in identity graph'
            when n_segments_given > 1
                then 'this source gives the customer ' || n_segments_given || ' different segments'
            when nth_row > 1 then 'another row of this source already gives the customer this segment'
        end as status_reason
    from per_customer
)

select * from final
